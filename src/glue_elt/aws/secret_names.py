"""What a secret that does not exist might have been: the region it was looked for in, and the closest names of the
secrets the caller may list.

``GetSecretValue`` answers a name it does not know with ``ResourceNotFoundException`` ("Secrets Manager can't find
the resource that you asked for", botocore's model), which names neither the region asked nor what exists: a typo
(``redshift-secrt``) or a job in another region looks the same. So, after that answer only, ``ListSecrets`` is asked
for the names in the caller's account and region ("the secrets that are stored by Secrets Manager in the AWS account,
not including secrets that are marked for deletion"; eventually consistent; it needs ``secretsmanager:ListSecrets``,
an account-level action: secretsmanager/latest/apireference/API_ListSecrets.html), and the closest few are suggested.
Listing is a courtesy: denied, throttled or unreachable, it suggests nothing and never changes the row's outcome. A
secret named by its ARN is looked for in the ARN's region and account, which the caller's list does not cover: no
names are suggested for it.
"""

from __future__ import annotations

import logging
from typing import Any

from glue_elt.core.close_names import close_matches

logger = logging.getLogger(__name__)

MAX_PAGES = 10
"""Pages of ``ListSecrets`` read at most (100 names each): 1,000 names are enough to find a typo's original."""
SUGGESTIONS = 3
"""Names suggested at most."""


def is_arn(secret_name: str) -> bool:
    """Whether ``secret_name`` is a secret's ARN (``arn:<partition>:secretsmanager:<region>:<account>:secret:...``)."""
    return secret_name.startswith("arn:") and ":secretsmanager:" in secret_name


def region_of(client: Any, secret_name: str) -> str | None:
    """The region ``secret_name`` was looked for in: an ARN's own, else the client's (``None`` when unknown)."""
    if is_arn(secret_name):
        parts = secret_name.split(":")
        if len(parts) > 3 and parts[3]:
            return parts[3]
    region = getattr(getattr(client, "meta", None), "region_name", None)
    return str(region) if region else None


def similar_names(client: Any, secret_name: str) -> list[str]:
    """Up to ``SUGGESTIONS`` names of the secrets ``client`` may list that are closest to ``secret_name``, closest
    first (none for an ARN); never raises."""
    if is_arn(secret_name):
        return []
    names: list[str] = []
    try:
        request: dict[str, Any] = {"MaxResults": 100}
        for _ in range(MAX_PAGES):
            page = client.list_secrets(**request)
            names += [str(entry["Name"]) for entry in page.get("SecretList", []) if entry.get("Name")]
            if not page.get("NextToken"):
                break
            request["NextToken"] = page["NextToken"]
    except Exception as error:  # listing is a courtesy: a denial, a throttle or an outage suggests nothing
        logger.debug("secret names not listed: %s", type(error).__name__)
    return close_matches(secret_name, [name for name in names if name != secret_name], SUGGESTIONS)
