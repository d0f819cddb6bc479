"""Reminders to the work group: what is due or overdue, sent through a webhook."""
