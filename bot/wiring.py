"""Every command, button and dialog step, registered in one place, in menu order."""

from __future__ import annotations

from bot.feedback import buttons as fb
from bot.feedback.links import FEEDBACK_START
from bot.i18n import N_
from bot.invite_buttons import InvitePage, InviteRole, InviteUnit
from bot.language_buttons import SetLanguage
from bot.pending_buttons import PendingPage
from bot.people.buttons import ChooseChannel, UnlinkAccount
from bot.plans.buttons import CancelImport, ConfirmImport, MapName, MapRestAsNew, MapUnitsPage
from bot.privacy.buttons import ForgetMe
from bot.report_buttons import ReportPlan, ReportYear, StatusPlan
from bot.roles import ADMINS, LEADERS, STAFF
from bot.router import Router
from bot.scopes import CASE, CASE_CODE, EXTENSION, OCCURRENCE, TASK, UNIT
from bot.status_buttons import StatusDimension
from bot.task_buttons import TaskFile
from bot.tasks.payloads import (
    ApproveExtension,
    AskMoreTime,
    DeclineExtension,
    MarkDone,
    NoteProgress,
    OpenTask,
    ReportBlocked,
    Snooze,
    TaskHappened,
    TaskProgress,
)
from handlers import (
    admin,
    calendar,
    cases,
    citizen,
    common,
    leader,
    links,
    pending,
    plans,
    privacy,
    progress,
    tasks,
)


def build_router() -> Router:
    """Register every handler on a fresh router."""
    router = Router()

    router.command("start", common.start_bot, description=N_("Start the bot"), in_menu=False)
    router.command("help", common.show_help, description=N_("Show what you can do"))
    router.command("whoami", common.show_whoami, description=N_("Show your roles and units"))
    router.command("lang", common.choose_language, description=N_("Change the language"))
    router.command("join", common.join_with_code, description=N_("Join with an invite code"))
    router.command("cancel", common.cancel_dialog, description=N_("Cancel the current step"))
    router.command(
        "link", links.link, description=N_("Join your accounts on Zalo, Telegram… into one")
    )
    router.command("channel", links.show_channels, description=N_("Choose where reminders go"))
    router.command(
        "unlink", links.show_unlink, description=N_("Remove one of your linked channels")
    )
    router.button(SetLanguage, common.set_language)
    router.step(common.JOIN_FLOW, "code", common.receive_code)
    router.button(ChooseChannel, links.choose_channel)
    router.button(UnlinkAccount, links.unlink_account)
    router.step(links.FLOW, "code", links.receive_code)

    router.command(
        "zalocost",
        admin.zalo_cost,
        audiences=ADMINS,
        description=N_("Zalo messages this month and their cost"),
    )
    router.command("units", admin.list_units, audiences=STAFF, description=N_("List the units"))
    router.command(
        "invite", admin.issue_invite, audiences=ADMINS, description=N_("Invite a person")
    )
    router.command("addunit", admin.add_unit, audiences=ADMINS, description=N_("Add a unit"))
    router.command(
        "renameunit", admin.rename_unit, audiences=ADMINS, description=N_("Rename a unit")
    )
    router.command(
        "mergeunit", admin.merge_unit, audiences=ADMINS, description=N_("Merge two units")
    )
    router.command("delunit", admin.delete_unit, audiences=ADMINS, description=N_("Delete a unit"))
    router.command(
        "orgname", admin.rename_org, audiences=ADMINS, description=N_("The commune's name")
    )
    router.command(
        "aliasunit",
        admin.alias_unit,
        audiences=ADMINS,
        description=N_("Other names of a unit"),
    )
    router.command(
        "unreachable",
        links.list_unreachable,
        audiences=ADMINS,
        description=N_("Who no channel can reach"),
    )
    router.button(InviteRole, admin.pick_invite_role, audiences=ADMINS)
    router.button(InviteUnit, admin.pick_invite_unit, audiences=ADMINS, scope=UNIT)
    router.button(InvitePage, admin.page_invite_units, audiences=ADMINS)
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
    router.command(
        "task", tasks.show_task, audiences=STAFF, description=N_("Show a task"), scope=TASK
    )
    router.command(
        "done",
        progress.done_command,
        audiences=STAFF,
        description=N_("Mark a task done (and the day it was done)"),
        scope=TASK,
    )
    router.command(
        "undated", tasks.list_undated, audiences=ADMINS, description=N_("Tasks without a date")
    )
    router.command(
        "setdate",
        tasks.set_task_date,
        audiences=ADMINS,
        description=N_("Set a task's date"),
        scope=TASK,
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
    router.button(OpenTask, tasks.open_task, audiences=STAFF, scope=TASK)
    router.button(TaskFile, tasks.send_evidence, audiences=STAFF, scope=TASK)
    router.button(TaskProgress, progress.start_task_progress, audiences=STAFF, scope=TASK)
    router.button(TaskHappened, progress.start_event, audiences=STAFF, scope=TASK)
    router.button(MarkDone, progress.start_done, audiences=STAFF, scope=OCCURRENCE)
    router.button(NoteProgress, progress.start_progress, audiences=STAFF, scope=OCCURRENCE)
    router.button(ReportBlocked, progress.start_blocked, audiences=STAFF, scope=OCCURRENCE)
    router.button(AskMoreTime, progress.start_more_time, audiences=STAFF, scope=OCCURRENCE)
    router.button(Snooze, progress.snooze, audiences=STAFF, scope=OCCURRENCE)
    router.button(ApproveExtension, progress.decide_extension, audiences=LEADERS, scope=EXTENSION)
    router.button(DeclineExtension, progress.decide_extension, audiences=LEADERS, scope=EXTENSION)
    router.step(progress.FLOW_DONE, "evidence", progress.receive_evidence)
    router.step(progress.FLOW_NOTE, "note", progress.receive_progress)
    router.step(progress.FLOW_BLOCKED, "reason", progress.receive_blocker)
    router.step(progress.FLOW_MORE, "date", progress.receive_proposed_date)
    router.step(progress.FLOW_MORE, "reason", progress.receive_extension_reason)
    router.step(progress.FLOW_EVENT, "date", progress.receive_event_date)
    router.command("feedback", citizen.start_feedback, description=N_("Send feedback"))
    router.deep_link(FEEDBACK_START, citizen.start_feedback)
    router.command(
        "track",
        citizen.track_case,
        description=N_("Follow a case by its code"),
        scope=CASE_CODE,
    )
    router.command("mycases", citizen.list_my_cases, description=N_("Your feedback cases"))
    router.command("public", cases.show_public, description=N_("Published answers"))
    router.command(
        "mydata", privacy.send_my_data, description=N_("Get everything the bot keeps about you")
    )
    router.command(
        "forget", privacy.ask_forget, description=N_("Withdraw consent and erase your data")
    )
    router.button(ForgetMe, privacy.confirm_forget)
    router.button(fb.StartFeedback, citizen.start_feedback)
    router.button(fb.PickKind, citizen.pick_kind)
    router.button(fb.PickTopic, citizen.pick_topic)
    router.button(fb.SkipStep, citizen.next_step)
    router.button(fb.PickPublish, citizen.pick_publish)
    router.button(fb.PickConsent, citizen.pick_consent)
    router.button(fb.Confirm, citizen.confirm)
    router.button(fb.Rate, citizen.rate_answer, scope=CASE)
    router.step(citizen.FLOW, "text", citizen.receive_text)
    router.step(citizen.FLOW, "files", citizen.receive_file)
    router.step(citizen.FLOW, "place", citizen.receive_place)
    router.step(citizen.FLOW, "name", citizen.receive_name)
    router.step(citizen.FLOW, "home", citizen.receive_home)
    router.step(citizen.FLOW, "phone", citizen.receive_phone)
    router.step(citizen.RATE_FLOW, "reason", citizen.receive_unsatisfied_reason)

    router.command("inbox", cases.show_inbox, audiences=ADMINS, description=N_("New feedback"))
    router.command("cases", cases.list_cases, audiences=STAFF, description=N_("Open feedback"))
    router.command(
        "askcontact",
        cases.ask_contact,
        audiences=STAFF,
        description=N_("Ask a citizen for contact details on Zalo"),
    )
    router.command("qr", cases.send_qr, audiences=ADMINS, description=N_("QR code for feedback"))
    router.button(fb.CaseOpen, cases.open_case, audiences=STAFF, scope=CASE)
    router.button(fb.CaseAssign, cases.choose_unit, audiences=ADMINS, scope=CASE)
    router.button(fb.CaseUnits, cases.page_units, audiences=ADMINS, scope=CASE)
    router.button(fb.CaseTo, cases.assign_case, audiences=ADMINS, scope=CASE)
    router.button(fb.CaseToEmpty, cases.assign_case_anyway, audiences=ADMINS, scope=CASE)
    router.button(fb.CaseFileOpen, cases.send_case_file, scope=CASE)
    router.button(fb.CaseRefuse, cases.start_refusal, audiences=ADMINS, scope=CASE)
    router.button(fb.CaseMerge, cases.start_merge, audiences=ADMINS, scope=CASE)
    router.button(fb.CaseComplex, cases.mark_complex, audiences=STAFF, scope=CASE)
    router.button(fb.CaseAnswer, cases.start_answer, audiences=STAFF, scope=CASE)
    router.button(fb.CaseApprove, cases.approve_answer, audiences=LEADERS, scope=CASE)
    router.button(fb.CasePublish, cases.publish_case, audiences=LEADERS, scope=CASE)
    router.step(cases.REFUSE_FLOW, "reason", cases.receive_refusal)
    router.step(cases.MERGE_FLOW, "target", cases.receive_merge_target)
    router.step(cases.ANSWER_FLOW, "text", cases.receive_answer)

    router.command(
        "status", leader.show_status, audiences=STAFF, description=N_("How the plan stands")
    )
    router.command(
        "feedbackstats",
        leader.show_feedback_stats,
        audiences=STAFF,
        description=N_("Feedback figures of a period"),
    )
    router.command(
        "report", leader.send_report, audiences=LEADERS, description=N_("Report of a period")
    )
    router.button(StatusDimension, leader.drill_status, audiences=STAFF)
    router.button(StatusPlan, leader.status_of_plan, audiences=STAFF)
    router.button(ReportPlan, leader.report_of_plan, audiences=LEADERS)
    router.button(ReportYear, leader.report_of_year, audiences=LEADERS)
    router.command(
        "pending",
        pending.list_pending,
        audiences=LEADERS,
        description=N_("What waits for your decision"),
    )
    router.button(PendingPage, pending.page_pending, audiences=LEADERS)

    router.attachment(plans.receive_file)
    router.step(plans.FLOW, "year", plans.receive_year)
    router.button(ConfirmImport, plans.confirm_import, audiences=ADMINS)
    router.button(CancelImport, plans.cancel_import, audiences=ADMINS)
    router.button(MapName, plans.map_unit_name, audiences=ADMINS)
    router.button(MapRestAsNew, plans.map_rest_as_new, audiences=ADMINS)
    router.button(MapUnitsPage, plans.page_map_units, audiences=ADMINS)

    router.fallback(citizen.answer_unclaimed)
    return router
