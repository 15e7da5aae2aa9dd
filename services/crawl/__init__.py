"""Crawling: requesting jobs, planning a crawl, one schema subtask, the due-sync dispatcher."""
