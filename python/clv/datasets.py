"""The crate's data sets (embedded in the compiled module, so an installed package has them).

* :func:`load_cdnow_summary`: the RFM summary of the CDNOW sample (2,357 customers, weeks,
  calibration to 1997-09-30), columns ``frequency, recency, T, monetary_value`` indexed by
  ``customer_id``;
* :func:`load_cdnow_sample`: its transaction log (6,919 rows);
* :func:`load_donations`: the compressed discrete-time donations data (BG/BB);
* :func:`cdnow_master_path`: the path of the full CDNOW log (23,570 customers) in a source
  checkout (``data/CDNOW_master.txt``), which is too big to embed.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd

from . import _clv


def _text(name: str) -> str:
    return _clv.dataset(name)


def load_cdnow_summary() -> pd.DataFrame:
    """CDNOW sample summary: ``frequency, recency, T, monetary_value`` (weeks), by ``customer_id``."""
    df = pd.read_csv(io.StringIO(_text("cdnow_summary.csv")))
    df.columns = ["customer_id", "frequency", "recency", "T", "monetary_value"]
    return df.set_index("customer_id")


def load_cdnow_sample() -> pd.DataFrame:
    """The CDNOW sample log: ``customer_id`` (the master id), ``sample_id``, ``date``
    (datetime), ``cds``, ``amount``."""
    df = pd.read_csv(
        io.StringIO(_text("CDNOW_sample.txt")), sep=r"\s+", header=None,
        names=["customer_id", "sample_id", "date", "cds", "amount"], dtype={"customer_id": str, "date": str},
    )
    df["date"] = pd.to_datetime(df["date"], format="%Y%m%d")
    return df


def load_donations() -> pd.DataFrame:
    """Donations (Fader, Hardie & Shang 2010): ``frequency, recency, periods, weights``."""
    return pd.read_csv(io.StringIO(_text("donations.csv")))


def cdnow_master_path() -> Path:
    """``data/CDNOW_master.txt`` of the source checkout (or ``$CLV_DATA/CDNOW_master.txt``)."""
    env = os.environ.get("CLV_DATA")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates += [p / "data" for p in here.parents]
    for c in candidates:
        if (c / "CDNOW_master.txt").is_file():
            return c / "CDNOW_master.txt"
    raise FileNotFoundError(
        "CDNOW_master.txt is not embedded in the package; set CLV_DATA to the repository's data/ directory"
    )
