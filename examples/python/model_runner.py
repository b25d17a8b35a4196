"""Model Runner from Python (blocking API): numpy in, numpy out, checked against the model's test output."""
import io
import urllib.request

import numpy as np
from hypha_rpc.sync import connect_to_server

from imjoy_share_connect import connection_config, data_url


def npy(url):
    with urllib.request.urlopen(url) as r:
        return np.load(io.BytesIO(r.read()))


server = connect_to_server(connection_config())
host = server.get_service("imjoy-host")
runner = server.get_service(host.create_window(src="Model Runner")["service_id"])

runner.load_model(source=data_url("/demo/model/bioimageio.yaml"))
x = npy(data_url("/demo/model/test_input.npy"))
result = runner.predict(inputs=x)  # {output id: numpy array}
y = result["blobs"]
expected = npy(data_url("/demo/model/test_output.npy"))
assert isinstance(y, np.ndarray) and y.shape == expected.shape, (type(y), y.shape)
assert np.allclose(y, expected, atol=1e-4), float(np.abs(y - expected).max())
print("prediction", y.dtype, y.shape, "max |diff| to the test output:", float(np.abs(y - expected).max()))
server.disconnect()
