"""Rasa's SQL tracker store, same table and same behaviour, at a fraction of the cost per message.

endpoints.yml names it (`type: rasa_components.tracker_store.SQLTrackerStore`, Rasa's custom
tracker store hook); it takes the same settings as Rasa's `type: SQL`. Under `make bench` the
tracker store was about a third of Rasa's CPU per message (BENCHMARKS.md "Load"): on every
message Rasa loads the conversation's events as ORM objects, counts the stored events through a
subquery of full rows, and adds the new ones one ORM object at a time; on SQLite it also opens a
new database connection for each of those steps (SQLAlchemy 1.4's NullPool). Here:
- loading reads only the `data` column (plain rows, no ORM objects), with Rasa's own query;
- counting is a `count()` over the same query;
- new events go in as one multi-row INSERT, with exactly the columns Rasa writes;
- SQLite connections are pooled (WAL mode, set by `leads migrate`, lets two Rasa processes
  read and write the same file).
Trackers written by either store are read back identically by the other
(tests/test_tracker_store.py).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from rasa.core import tracker_store as rasa_stores
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool


class SQLTrackerStore(rasa_stores.SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            # Rasa runs the store on its event loop's thread; the pool hands a connection to
            # one session at a time.
            self.engine = sa.create_engine(
                url, poolclass=QueuePool, pool_size=2, connect_args={"check_same_thread": False}
            )
            self.sessionmaker = sessionmaker(bind=self.engine)
        # Rasa's own engine (PostgreSQL) too: an error never prints the events it binds
        # (what people wrote, their names).
        self.engine.hide_parameters = True

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            events = [json.loads(data) for (data,) in query.with_entities(self.SQLEvent.data)]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = [
                _row(tracker.sender_id, event)
                for event in self._additional_events(session, tracker)
            ]
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()

    def _additional_events(self, session: Session, tracker: DialogueStateTracker) -> Iterator:
        stored = (
            self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False)
            .order_by(None)
            .with_entities(sa.func.count(self.SQLEvent.id))
            .scalar()
        )
        return itertools.islice(tracker.events, stored, len(tracker.events))


def _row(sender_id: str, event: Any) -> dict[str, Any]:
    """The columns Rasa's SQLTrackerStore.save() writes for one event."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }
