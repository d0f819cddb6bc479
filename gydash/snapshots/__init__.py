"""Files in: finding, reading and checking snapshots, the warehouse, resolution, import, history."""
