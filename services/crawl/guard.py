"""The mass-deletion guard of one crawl, from the settings and the job's own choice."""

from __future__ import annotations

from domain.remote_lifecycle import MassDeletionGuard
from settings import get_settings


def mass_deletion_guard(allow_mass_deletion: bool, job_id: int) -> MassDeletionGuard:
    settings = get_settings()
    return MassDeletionGuard(threshold=settings.mass_deletion_threshold, minimum=settings.mass_deletion_minimum,
                             allow=allow_mass_deletion, run_id=job_id)
