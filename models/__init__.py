"""SQLAlchemy 2 models of the objectsync catalog; every schema change is an Alembic migration."""

from models.base import Base
from models.change_event import ChangeEvent, RelayCursor
from models.column import Column
from models.connection import Connection
from models.data_object import DataObject
from models.idempotency import IdempotentRequest
from models.integration import Integration
from models.job import Job, JobSubtask
from models.permission import ApiToken, Grant, Group, GroupMember, User
from models.request import OwnerRequest
from models.tag import ObjectTag
from models.web_session import WebSession
from models.webhook import WebhookDelivery, WebhookDeliveryAttempt, WebhookSubscription

__all__ = [
    "ApiToken", "Base", "ChangeEvent", "Column", "Connection", "DataObject", "Grant", "Group",
    "GroupMember", "IdempotentRequest", "Integration", "Job", "JobSubtask", "ObjectTag", "OwnerRequest",
    "RelayCursor", "User", "WebhookDelivery", "WebhookDeliveryAttempt", "WebhookSubscription", "WebSession",
]
