"""Clinical-trial statistics pipeline: raw export -> SDTM -> ADaM -> analyses -> TLF -> package."""

__version__ = "0.1.0"
