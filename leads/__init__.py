"""The lead store: the only code that touches Passerelle's database.

Public API, by resource: `leads.lead_store` (the dialogue's save, handoff, erase),
`leads.lead_queue` (the staff's queue and changes to a lead), `leads.campaigns`,
`leads.staff` (staff users and API tokens), `leads.audit`, `leads.funnel`; the row types
in `leads.rows`. `leads.spool` + `leads.replay` (outage spool and its replay),
`leads.trackers` (Rasa tracker clean-up), `leads.retention_policy` (how long what is kept:
read by the privacy notice and the purge),
`leads.retention` (purge), `leads.export` (JSONL/CSV). Importing has no side effects.
"""
