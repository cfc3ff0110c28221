"""Calendar events as an iCalendar (RFC 5545) file: all-day VEVENTs that clients update in place on re-import."""

from __future__ import annotations

import datetime as dt

from ilacs_cli.domain.agenda import CalendarEvent

PRODID = "-//ilacs//ILACS action plans//EN"


def calendar(events: list[CalendarEvent], name: str) -> str:
    """The events as the text of one .ics file; the same events always give the same text."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    # No METHOD: without one, RFC 5545 reads DTSTAMP as when the item was last revised, which is what it holds.
    cal.add("x-wr-calname", name)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", item.stamp.astimezone(dt.UTC))
        event.add("sequence", item.sequence)
        event.add("dtstart", item.day)  # a DATE value: an all-day event
        event.add("dtend", item.day + dt.timedelta(days=1))  # DTEND is exclusive: the next day
        event.add("summary", item.summary)
        event.add("description", item.description)
        event.add("categories", item.categories)
        event.add("transp", "TRANSPARENT")  # a due date is not busy time, open or closed
        cal.add_component(event)
    return cal.to_ical().decode("utf-8")  # RFC 5545 text is UTF-8
