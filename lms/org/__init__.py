"""The organisation view: literacy by function and department, weekly snapshots, leaders' own
learning, and the AI literacy record export."""
