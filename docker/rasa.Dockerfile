# The Rasa engine: the official image plus what our model needs from this repository.
#   - rasa_components/: the custom NLU component that config.yml names;
#   - endpoints.yml and credentials.yml (every setting in them comes from the environment);
#   - the engine versions requirements/ pins where they matter: jsonschema (speed: see
#     requirements/rasa.txt), scikit-learn and joblib (the component's pickled classifier
#     must load with the versions that trained it in .venv-rasa).
# The trained model is not in the image: docker-compose.yml mounts ./models on /app/models.
# Our files go to /opt/passerelle, not /app: the base image declares /app a volume.
FROM rasa/rasa:3.6.21-full

USER root
COPY requirements/rasa.txt requirements/rasa.lock.txt /tmp/requirements/
RUN grep -E '^(scikit-learn|joblib)==' /tmp/requirements/rasa.lock.txt > /tmp/requirements/pins.txt \
 && pip install --no-cache-dir -r /tmp/requirements/rasa.txt -r /tmp/requirements/pins.txt \
 && rm -rf /tmp/requirements
COPY endpoints.yml credentials.yml /opt/passerelle/
COPY rasa_components/ /opt/passerelle/rasa_components/
ENV PYTHONPATH=/opt/passerelle
USER 1001
