"""Every command, button and dialog step, registered in one place, in menu order."""

from __future__ import annotations

from bot.i18n import N_
from bot.roles import ADMINS, LEADERS, STAFF
from bot.router import Router
from handlers import admin, calendar, common, plans, progress, tasks


def build_router() -> Router:
    """Register every handler on a fresh router."""
    router = Router()

    router.command("start", common.start_bot, description=N_("Start the bot"), in_menu=False)
    router.command("help", common.show_help, description=N_("Show what you can do"))
    router.command("whoami", common.show_whoami, description=N_("Show your roles and units"))
    router.command("lang", common.choose_language, description=N_("Change the language"))
    router.command("join", common.join_with_code, description=N_("Join with an invite code"))
    router.command("cancel", common.cancel_dialog, description=N_("Cancel the current step"))
    router.button("lang:set", common.set_language)
    router.step(common.JOIN_FLOW, "code", common.receive_code)

    router.command("units", admin.list_units, audiences=STAFF, description=N_("List the units"))
    router.command(
        "invite", admin.issue_invite, audiences=ADMINS, description=N_("Invite a person")
    )
    router.command("addunit", admin.add_unit, audiences=ADMINS, description=N_("Add a unit"))
    router.button("invite:role", admin.pick_invite_role, audiences=ADMINS)
    router.button("invite:unit", admin.pick_invite_unit, audiences=ADMINS)
    router.button("invite:page", admin.page_invite_units, audiences=ADMINS)
    router.step(admin.UNIT_FLOW, "name", admin.receive_unit_name)
    router.step(admin.UNIT_FLOW, "aliases", admin.receive_unit_aliases)

    router.command(
        "calendar", calendar.list_calendar, audiences=STAFF, description=N_("Show days off")
    )
    router.command(
        "dayoff", calendar.add_day_off, audiences=ADMINS, description=N_("Add a local day off")
    )
    router.command(
        "workday",
        calendar.add_working_day,
        audiences=ADMINS,
        description=N_("Add a make-up working day"),
    )
    router.command(
        "clearday", calendar.clear_day, audiences=ADMINS, description=N_("Undo a calendar change")
    )

    router.command("tasks", tasks.list_tasks, audiences=STAFF, description=N_("List your tasks"))
    router.command("task", tasks.show_task, audiences=STAFF, description=N_("Show a task"))
    router.command(
        "undated", tasks.list_undated, audiences=ADMINS, description=N_("Tasks without a date")
    )
    router.command(
        "setdate", tasks.set_task_date, audiences=ADMINS, description=N_("Set a task's date")
    )
    router.command(
        "overdue", progress.list_overdue, audiences=LEADERS, description=N_("List overdue tasks")
    )
    router.command(
        "digest",
        progress.toggle_digest,
        audiences=STAFF,
        description=N_("One morning digest instead of single messages"),
    )
    router.button("task:open", progress.open_task, audiences=STAFF)
    router.button("task:progress", progress.start_task_progress, audiences=STAFF)
    router.button("task:event", progress.start_event, audiences=STAFF)
    router.button("occ:done", progress.start_done, audiences=STAFF)
    router.button("occ:progress", progress.start_progress, audiences=STAFF)
    router.button("occ:blocked", progress.start_blocked, audiences=STAFF)
    router.button("occ:more", progress.start_more_time, audiences=STAFF)
    router.button("occ:snooze", progress.snooze, audiences=STAFF)
    router.button("ext:approve", progress.decide_extension, audiences=LEADERS)
    router.button("ext:decline", progress.decide_extension, audiences=LEADERS)
    router.step(progress.FLOW_DONE, "evidence", progress.receive_evidence)
    router.step(progress.FLOW_NOTE, "note", progress.receive_progress)
    router.step(progress.FLOW_BLOCKED, "reason", progress.receive_blocker)
    router.step(progress.FLOW_MORE, "date", progress.receive_proposed_date)
    router.step(progress.FLOW_MORE, "reason", progress.receive_extension_reason)
    router.step(progress.FLOW_EVENT, "date", progress.receive_event_date)
    router.attachment(plans.receive_file)
    router.step(plans.FLOW, "year", plans.receive_year)
    router.button("plan:confirm", plans.confirm_import, audiences=ADMINS)
    router.button("plan:cancel", plans.cancel_import, audiences=ADMINS)

    router.fallback(common.hint_unknown)
    return router
