"""The demo's sample source database: a small shop with odd identifiers, then the changes the demo syncs."""

from __future__ import annotations

import psycopg

SOURCE_DATABASE = "objectsync_demo_source"

CREATE_SOURCE = """
CREATE SCHEMA sales;
CREATE SCHEMA "Marketing";

CREATE TABLE sales.customers (
    id integer PRIMARY KEY,
    name text NOT NULL,
    email varchar(200),
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE sales.customers IS 'People who bought something';
COMMENT ON COLUMN sales.customers.email IS 'Primary contact address';

CREATE TABLE sales.orders (
    id bigint PRIMARY KEY,
    customer_id integer REFERENCES sales.customers (id),
    ordered_at timestamptz,
    total numeric(12, 2)
);

CREATE TABLE sales."Order Items" (
    order_id bigint REFERENCES sales.orders (id),
    "Line No" integer,
    sku text,
    quantity integer
);
COMMENT ON TABLE sales."Order Items" IS 'One row per product line of an order';

CREATE VIEW sales.order_totals AS
    SELECT c.name AS customer, count(o.id) AS orders, sum(o.total) AS revenue
    FROM sales.customers c LEFT JOIN sales.orders o ON o.customer_id = c.id
    GROUP BY c.name;

CREATE TABLE "Marketing"."Campaigns" (
    id serial PRIMARY KEY,
    "Name" text NOT NULL,
    budget numeric(10, 2),
    "Start Date" date
);

CREATE TABLE "Marketing"."Leads (2024)" (
    id serial PRIMARY KEY,
    "E-Mail" text,
    "Campaign" integer
);

CREATE TABLE "Marketing".legacy_contacts (
    id integer,
    phone text
);
"""

#: Each change maps to one event type the demo shows after the second sync.
ALTER_SOURCE = """
ALTER TABLE sales.customers ADD COLUMN loyalty_tier text;
DROP TABLE "Marketing".legacy_contacts;
ALTER TABLE sales."Order Items" ALTER COLUMN quantity TYPE numeric(10, 2);
"""

ALTERATIONS = (
    'add column sales.customers.loyalty_tier',
    'drop table "Marketing".legacy_contacts',
    'change type of sales."Order Items".quantity: integer → numeric(10,2)',
)


def recreate_source(admin_url: str, source_url: str) -> None:
    """Drop and create the source database, so every demo run starts from the same platform."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SOURCE_DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{SOURCE_DATABASE}"')
    with psycopg.connect(source_url, autocommit=True) as conn:
        conn.execute(CREATE_SOURCE)


def alter_source(source_url: str) -> None:
    with psycopg.connect(source_url, autocommit=True) as conn:
        conn.execute(ALTER_SOURCE)
