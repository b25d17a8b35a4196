"""RDF Inspector from Python: validate BioImage.IO resource descriptions."""
import asyncio

from hypha_rpc import connect_to_server

from imjoy_share_connect import connection_config, data_url


async def main():
    server = await connect_to_server(connection_config())
    host = await server.get_service("imjoy-host")
    rdf = await server.get_service((await host.create_window(src="RDF Inspector"))["service_id"])

    good = await rdf.validate(source=data_url("/demo/model/bioimageio.yaml"))
    bad = await rdf.validate({"source": data_url("/demo/rdf/model/invalid.bioimageio.yaml")})
    assert good["valid"] and not bad["valid"], (good, bad)
    print("valid:", good["valid"], "| invalid one:", bad["valid"])
    await server.disconnect()


if __name__ == "__main__":
    asyncio.run(main())
