"""Define-XML 2.1 (define.xml) for the SDTM and the ADaM datasets, from the same specs that build them.

`write_define` writes it for SDTM, `write_adam_define` for ADaM; `analysis.define.cli.run` is the
`analysis define` command; `analysis.define.validate.validate_define` checks it against the
Define-XML 2.1 schema.
"""

from analysis.define.adam import write_adam_define
from analysis.define.build import DefineResult, write_define

__all__ = ["DefineResult", "write_adam_define", "write_define"]
