"""One error hierarchy for everything a user can get wrong.

The CLI turns every :class:`LearnaError` into a one-line message and exit code 2.
"""


class LearnaError(Exception):
    """Base class of all errors caused by user input or the user's files."""


class StructureError(LearnaError):
    """A dot-bracket target is empty, too long, unbalanced or has unknown characters."""


class InputFileError(LearnaError):
    """A target file, dataset or record file cannot be read or is malformed."""


class ConfigError(LearnaError):
    """A configuration file or option value is invalid."""


class CheckpointError(LearnaError):
    """A checkpoint is missing, corrupted or incompatible."""


class ConstraintError(LearnaError):
    """Design constraints are malformed or contradict the target (nothing could satisfy them)."""


class ClusterError(LearnaError):
    """A Dask cluster cannot be used: Dask is not installed, or the scheduler is unreachable or lost."""
