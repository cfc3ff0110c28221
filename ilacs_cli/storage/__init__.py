"""Storage: opening the database and its transactions, migrations, typed rows, one repository per group of
tables, the plan as of a past day, and the database file's placement. The only package that holds SQL; it imports
neither the domain nor the command line."""
