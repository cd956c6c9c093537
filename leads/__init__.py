"""The lead store: the only code that touches Passerelle's database.

Public API: `leads.repository` (leads, campaigns, staff, tokens, funnel, audit),
`leads.spool` (outage spool), `leads.trackers` (Rasa tracker clean-up),
`leads.retention` (purge), `leads.export` (JSONL/CSV). Importing has no side effects.
"""
