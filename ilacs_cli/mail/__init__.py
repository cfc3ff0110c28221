"""Sending mail: SMTP settings and credentials, the SMTP conversation, and OAuth access tokens. Imported only to
send."""
