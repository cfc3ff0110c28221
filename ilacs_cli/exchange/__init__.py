"""Moving plans in and out: the plan laid out as councils keep it, the whole database as JSON, spreadsheets
brought in, output files written whole, and the database shown to browsers."""
