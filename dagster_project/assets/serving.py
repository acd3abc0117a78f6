"""Publish the serving snapshot, then dispatch what people approved."""

from pathlib import Path

import dagster as dg

from core.settings import get_delivery_settings, get_settings
from dagster_project.assets.dbt import SEED_GROUP
from dagster_project.publish import publish_snapshot, read_pointer
from dagster_project.resources import LedgerResource, WarehouseResource


def build_serving_assets(upstream: list[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    # Not the seeds: the snapshot holds marts, which depend on them through dbt, and a night that leaves the seeds
    # as they were does not report them, which would skip an asset depending on them directly.
    upstream_keys = [spec.key for assets_def in upstream for spec in assets_def.specs if spec.group_name != SEED_GROUP]

    @dg.asset(
        name="serving_snapshot",
        group_name="serving",
        deps=upstream_keys,
        kinds={"duckdb"},
        description="Immutable read-only copy of the marts the dashboard reads, switched in atomically.",
    )
    def serving_snapshot(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        settings = get_settings()
        result = publish_snapshot(
            warehouse.resolved_path,
            settings.serving_pointer,
            settings.as_of_date,
            context.run.run_id,
            models=warehouse.models_warehouse(),
        )
        return dg.MaterializeResult(
            metadata={
                "snapshot_path": str(result.snapshot_path),
                "as_of_date": settings.as_of_date.isoformat(),
                "tables": len(result.tables),
                "tables_copied": len(result.copied),  # changed since the previous snapshot
                "tables_reused": len(result.reused),  # unchanged: carried over in the previous snapshot's file
                "rows_copied": sum(result.tables[name] for name in result.copied),
                "rows_by_table": dg.MetadataValue.json(result.tables),
            }
        )

    @dg.asset(
        name="outbox_dispatch",
        group_name="serving",
        deps=[serving_snapshot],
        kinds={"python"},
        description="Approved actions sent over their channel (the SRFax, Twilio and clearinghouse SFTP "
        "gateways when configured, else HTTP webhooks, else files in data/outbox); fax and text "
        "numbers are read from the serving snapshot at send time; anything whose approval does "
        "not bind what would be sent (a number changed since approval included) is refused. "
        "Anchors the audit chain's head afterwards.",
    )
    def outbox_dispatch(context: dg.AssetExecutionContext, ledger: LedgerResource) -> dg.MaterializeResult:
        from delivery.channels import ChannelRouter
        from delivery.dispatcher import dispatch_approved
        from delivery.gateways.senders import GatewaySenders
        from delivery.recipients import SnapshotAddressBook, SnapshotRecipients
        from delivery.webhook import WebhookSender

        settings, delivery = get_settings(), get_delivery_settings()
        action_ledger = ledger.open()
        pointer = read_pointer(settings.serving_pointer)
        addresses = SnapshotAddressBook(Path(pointer["snapshot_path"]) if pointer else None)
        recipients = SnapshotRecipients.for_ledger(addresses, action_ledger)
        configured = ChannelRouter.from_settings(delivery)
        with (
            WebhookSender.from_settings(delivery) as webhook,
            GatewaySenders.from_settings(
                fax_resolver=recipients.fax_number, text_resolver=recipients.mobile_number, fallback=webhook
            ) as sender,
        ):
            router = ChannelRouter(
                action_channels=configured.action_channels, endpoints={**configured.endpoints, **sender.endpoints}
            )
            result = dispatch_approved(
                action_ledger, settings.outbox_dir, router=router, sender=sender, addresses=addresses
            )
        # The run's last audit event goes to the append-only anchor file: a later deletion of the trail's tail
        # (this run's drafts, decisions and sends included) shows up in `python -m ledger verify`.
        anchor = action_ledger.anchor_chain_head()
        if result.busy:
            context.log.warning("another dispatcher held the lease; this run sent nothing more")
        return dg.MaterializeResult(
            metadata={
                "sent": len(result.sent),
                "refused": len(result.refused),
                "failed": len(result.failed),
                "awaiting_retry": len(result.awaiting_retry),
                "held": len(result.held),
                "busy": result.busy,
                "anchored_event_id": anchor["event_id"] if anchor else 0,
                "webhook_channels": ", ".join(sorted(delivery.endpoints)) or "none (files only)",
                "gateway_channels": ", ".join(sorted(sender.gateways)) or "none",
            }
        )

    return [serving_snapshot, outbox_dispatch]
