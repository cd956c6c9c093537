"""Our own components for the Rasa pipeline (config.yml names them by module path).

They run inside Rasa (.venv-rasa), not in the action server.
"""
