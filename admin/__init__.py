"""The staff dashboard: FastAPI + Jinja2, server-rendered, with a JSON API and "try the bot".

`admin.app:app` is the ASGI app (`uvicorn admin.app:app`); `python -m admin` the command line
(create-user, reset-password, purge). Everything that touches the database goes through
the lead store's modules (`leads.lead_queue`, `leads.campaigns`, `leads.staff`, ...).
"""
