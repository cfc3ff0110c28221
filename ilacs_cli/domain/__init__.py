"""The domain: the rules (the one home of each), plans, changes and undo, history, owners, reminders, progress,
reports, the calendar view, seeds and health checks. Reads and writes go through storage; nothing here prints or
holds SQL."""
