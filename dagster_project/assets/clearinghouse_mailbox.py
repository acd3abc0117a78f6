"""The clearinghouse's SFTP mailbox as an asset: 270 batches go up, new 835 / 999 / 277CA / 271 files come
down into data/inbox/clearinghouse, where ingest (and the inbox sensor) find them.

Off until RCM_CLEARINGHOUSE_SFTP_HOST is set: the asset then records that it did nothing. Claims approved
for the clearinghouse channel are uploaded by the dispatcher (delivery.gateways.ClearinghouseMailbox.send),
not here, so an approval is the only thing that sends a claim.
"""

import dagster as dg

from core.settings import get_gateway_state_url, get_sftp_mailbox_settings


@dg.asset(
    name="clearinghouse_mailbox",
    group_name="ingest",
    kinds={"sftp"},
    description="Batches uploaded to and new files fetched from the clearinghouse's SFTP mailbox "
    "(host key pinned; each file fetched once, written atomically).",
)
def clearinghouse_mailbox(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = get_sftp_mailbox_settings()
    if settings is None:
        context.log.info("clearinghouse mailbox: RCM_CLEARINGHOUSE_SFTP_HOST is not set; nothing to do")
        return dg.MaterializeResult(metadata={"configured": False})
    # Imported here, once there is a mailbox: importing it and the SFTP library takes about 0.3 s.
    from delivery.gateways.sftp_mailbox import ClearinghouseMailbox
    from delivery.gateways.state import GatewayState

    mailbox = ClearinghouseMailbox(settings, GatewayState(get_gateway_state_url()))
    uploaded = mailbox.upload_pending()
    report = mailbox.pickup()  # a refused host key or login raises: the run fails with that reason
    if report.refused_names or report.archive_failures:
        context.log.warning(
            f"clearinghouse mailbox: {len(report.refused_names)} files left on the server "
            f"(not plain file names), {len(report.archive_failures)} not archived"
        )
    return dg.MaterializeResult(
        metadata={
            "configured": True,
            "server": f"{settings.host}:{settings.port}",
            "batches_uploaded": len(uploaded),
            "files_fetched": len(report.fetched),
            "files_already_fetched": report.already_fetched,
            "files_still_settling": report.settling,
            "files_left_unsafe_names": len(report.refused_names),
            "files_not_archived": len(report.archive_failures),
        }
    )
