"""Pre-sign the same GET with botocore at the same instant: argv = url-without-auth-params,
access key, secret, region, expires, X-Amz-Date (YYYYMMDDTHHMMSSZ). Prints the signed URL."""
import datetime, sys
from unittest import mock
import botocore.auth
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

url, ak, sk, region, expires, amzdate = sys.argv[1:7]
instant = datetime.datetime.strptime(amzdate, '%Y%m%dT%H%M%SZ')
req = AWSRequest(method='GET', url=url)
auth = S3SigV4QueryAuth(Credentials(ak, sk), 's3', region, expires=int(expires))
with mock.patch.object(botocore.auth.datetime, 'datetime', mock.Mock(utcnow=mock.Mock(return_value=instant))):
    auth.add_auth(req)
print(req.url)
