"""Where the examples connect: HYPHA_SERVER_URL, HYPHA_WORKSPACE and HYPHA_TOKEN when set (any Hypha
server the host page is connected to), else the .cache/rpc.json that `imjoy-share serve` writes."""
import json
import os
import pathlib


def connection_config():
    if os.environ.get("HYPHA_SERVER_URL"):
        return {
            "server_url": os.environ["HYPHA_SERVER_URL"],
            "workspace": os.environ.get("HYPHA_WORKSPACE"),
            "token": os.environ.get("HYPHA_TOKEN"),
        }
    default = pathlib.Path(__file__).resolve().parents[2] / ".cache" / "rpc.json"
    return json.loads(pathlib.Path(os.environ.get("IMJOY_SHARE_RPC", default)).read_text())


def data_url(path):
    """A URL of the serve's demo data (the host serves them; the RPC server may be another one)."""
    base = os.environ.get("IMJOY_SHARE_URL") or connection_config()["server_url"]
    return base.rstrip("/") + path
