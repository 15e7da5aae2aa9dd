"""The sync core: remote snapshots, the pure diff, and the services that crawl and apply."""
