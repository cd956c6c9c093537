-- Runs once, when the postgres volume is first created: Rasa's conversation trackers get
-- their own database next to the lead store's (POSTGRES_DB=passerelle).
CREATE DATABASE rasa OWNER passerelle;
