"""The pieces the console pages are built from: dependencies, forms, rendering and error pages."""
