"""`make bench`: a load test of the whole stack, played by virtual young people.

fake Telegram Bot API (in this process) → the real bot (`python -m bot`) → Rasa → action
server → database. Modules: topology (start/stop the processes), fake (the fake Telegram
server, indexed for thousands of chats), recognizer (which domain response a bot message is),
person (the script of one virtual person), load (the ramp), metrics (latency, CPU/RSS),
report (the tables and the last line).
"""
