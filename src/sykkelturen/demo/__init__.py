"""The demo tour: its data (sykkelturen_2022.json, gpx/) and its loader (loader.py)."""
