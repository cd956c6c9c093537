"""Our own components for the Rasa pipeline (config.yml names them by module path).

They run inside Rasa (.venv-rasa), not in the action server. Rasa imports this package when it
loads a model, which is also when the engine's CPU fixes are applied (engine_fixes.py).
"""

from rasa_components import engine_fixes

engine_fixes.apply()
