"""Connections and data objects administered by hand: register, edit, test, deregister, settings, deletion."""
