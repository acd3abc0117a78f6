"""The eligibility sweep's 270 batch as a pipeline step: one X12 270 file per run, for the checks due whose
front-desk task (`eligibility_check_task`) a person approved, written into the clearinghouse upload folder
that the SFTP mailbox uploads from.

A 270 is an inquiry, not a claim, but it still hands a child's member id, name and date of birth to the
clearinghouse, and nothing reaches a clearinghouse without a person's approval: a check goes into a batch only
when its task's approval passes the dispatcher's own check (verified audit chain, digest of what was approved,
approver still allowed at that location). Tasks are low risk, so a coordinator can approve a day's checks in
one bulk approval.

Control numbers come from the ledger's one sequence: each check takes a number the first time it is asked on
an as-of date (ledger key `270:<as_of>:<flag_id>`), and the batch's ISA13 / GS06 / ST02 is the smallest
number its checks took, so no two batches (or 837Ps) share one. A re-run on the same as-of date finds those
keys taken and writes nothing for them; a check still due the next day (no 271 came back) is asked again.
"""

from datetime import datetime

import dagster as dg
import sqlalchemy as sa
from dagster_dbt import get_asset_key_for_model

from core.settings import get_eligibility_270_settings, get_settings
from dagster_project.assets.emitter_support import query_rows
from dagster_project.resources import LedgerResource, WarehouseResource
from emitters.eligibility_270 import check_key, write_batch
from emitters.registry import action_type

PACKET_MODEL = "packet_eligibility_270_requests"
TASK_TYPE = "eligibility_check_task"


def approved_flag_ids(ledger, flag_ids: list[str]) -> set[str]:
    """The flags whose eligibility_check_task carries an approval the dispatcher would honour. An approval the
    dispatcher already acted on (the task was filed: a `replay`) still counts: the check itself was approved."""
    from delivery.dispatcher import refusal_reason
    from ledger.dispatch import REPLAY
    from ledger.rows import action_dict
    from ledger.schema import actions

    if not flag_ids:
        return set()
    with ledger.engine.connect() as conn:
        rows = conn.execute(
            sa.select(actions).where(
                actions.c.action_type == TASK_TYPE,
                actions.c.flag_id.in_(flag_ids),
                actions.c.status.in_(("approved", "sent")),
            )
        ).all()
    if not rows:
        return set()
    chain, today = ledger.verify(), get_settings().as_of_date
    approved = set()
    for row in rows:
        action = action_dict(row, today)
        refusal = refusal_reason(ledger, action, ledger.approval_event(action["action_id"]), chain)
        if refusal is None or refusal.kind == REPLAY:
            approved.add(action["flag_id"])
    return approved


def _upload_now() -> list[str]:
    """Hand waiting batches to the clearinghouse now when the SFTP mailbox is configured, rather than at the
    mailbox's next run. A refused host key or login fails the run; the batch stays in the folder and goes up
    with the next upload."""
    from core.settings import get_gateway_state_url, get_sftp_mailbox_settings
    from delivery.gateways.sftp_mailbox import ClearinghouseMailbox
    from delivery.gateways.state import GatewayState

    settings = get_sftp_mailbox_settings()
    if settings is None:
        return []
    return ClearinghouseMailbox(settings, GatewayState(get_gateway_state_url())).upload_pending()


def build_eligibility_270_asset(dbt_models: dg.AssetsDefinition) -> dg.AssetsDefinition:
    @dg.asset(
        name="eligibility_270_batch",
        group_name="emitters",
        kinds={"x12"},
        deps=[
            get_asset_key_for_model([dbt_models], PACKET_MODEL),
            dg.AssetKey(action_type(TASK_TYPE).emitter_asset),
        ],
        description="One X12 270 batch per run for the eligibility checks due whose task a person approved, "
        "written into the clearinghouse upload folder (off until RCM_ELIGIBILITY_270_SUBMITTER_ID is set); "
        "each check is asked once per as-of date.",
    )
    def eligibility_270_batch(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, ledger: LedgerResource
    ) -> dg.MaterializeResult:
        sender = get_eligibility_270_settings()
        if sender is None:
            context.log.info("eligibility 270: RCM_ELIGIBILITY_270_SUBMITTER_ID is not set; nothing written")
            return dg.MaterializeResult(metadata={"configured": False})
        as_of = get_settings().as_of_date
        with warehouse.connect(read_only=True) as con:
            due = query_rows(con, f"select * from marts.{PACKET_MODEL} order by flag_id")
        action_ledger = ledger.open()
        approved = approved_flag_ids(action_ledger, [str(r["flag_id"]) for r in due])
        rows = [r for r in due if str(r["flag_id"]) in approved]
        numbers = action_ledger.new_control_numbers(check_key(as_of, str(r["flag_id"])) for r in rows)
        fresh = [r for r in rows if check_key(as_of, str(r["flag_id"])) in numbers]
        path = None
        if fresh:
            control = min(numbers.values())
            path = write_batch(fresh, sender.upload_dir, control, datetime.now(), sender)
            context.log.info(f"eligibility 270: {len(fresh)} check(s) written as {path.name}")
        uploaded = _upload_now()
        return dg.MaterializeResult(
            metadata={
                "configured": True,
                "checks_due": len(due),
                "awaiting_approval": len(due) - len(rows),
                "already_asked_today": len(rows) - len(fresh),
                "checks_written": len(fresh),
                "batch_file": path.name if path else "",
                "batches_uploaded": len(uploaded),
                "as_of_date": as_of.isoformat(),
            }
        )

    return eligibility_270_batch
