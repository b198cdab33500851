"""Request bodies are taken as typed: every body model derives from `Body`.

Unknown fields are refused (`extra="forbid"`): a misspelt `birthdate` must not be dropped in
silence and leave a person without a birth date. Numbers and flags are `StrictInt`/`StrictBool`
(`Count`, `Flag`): `"30"` is not 30, and `"yes"` or `"false"` is not a consent. Dates stay ISO
text, the only form JSON has. A contract test walks every route's body to hold both rules.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt

Count = StrictInt
Flag = StrictBool


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
