"""End-to-end replication studies: a study file in, a self-contained HTML report out.

``stfi replicate`` runs :func:`replicate`; see ``replication/`` for the two studies and
:mod:`stfi_models.replicate.spec` for the study-file format.
"""

from stfi_models.replicate.report import StudyReport, write_report
from stfi_models.replicate.runner import prepare, replicate, run_study_report
from stfi_models.replicate.spec import STUDIES, ReplicationSpec, load_replication

__all__ = [
    "replicate",
    "run_study_report",
    "prepare",
    "load_replication",
    "ReplicationSpec",
    "StudyReport",
    "write_report",
    "STUDIES",
]
