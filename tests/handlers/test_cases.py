from __future__ import annotations
from datetime import datetime
from bot.clock import ManualClock
from bot.runtime import Runtime
from db.models import CaseKind
from tests.handlers.feedback_support import *  # noqa

async def test_explore(runtime: Runtime, clock: ManualClock) -> None:
    c = await commune(runtime, clock)
    lan = await c.citizen(1001)
    out = await lan.say("/feedback"); print(texts(out), [payloads(r) for r in out.replies])
    for step in ["fb:kind:denunciation", "fb:topic:land"]:
        out = await lan.press(step); print(texts(out), [payloads(r) for r in out.replies])
    for t in ["<b>bad</b> official  ", ]:
        out = await lan.say(t); print(texts(out))
    out = await lan.press("fb:next:files"); print(texts(out), [payloads(r) for r in out.replies])
    out = await lan.press("fb:next:place"); print(texts(out), [payloads(r) for r in out.replies])
    out = await lan.press("fb:next:contact"); print(texts(out), [payloads(r) for r in out.replies])
    out = await lan.say("Nguyễn Văn Tố"); print(texts(out), [payloads(r) for r in out.replies])
    out = await lan.press("fb:next:contact"); print(texts(out), [payloads(r) for r in out.replies])
    out = await lan.say("0912 345 678"); print(texts(out), [payloads(r) for r in out.replies])
    out = await lan.press("fb:consent:yes"); print(texts(out), [payloads(r) for r in out.replies])
    out = await lan.press("fb:confirm:send"); print(texts(out), [payloads(r) for r in out.replies])
    code = texts(out)[0].splitlines()[0].split(": ")[1]
    out = await c.admin.say("/inbox"); print(texts(out), [payloads(r) for r in out.replies])
    row = await case_row(runtime, code)
    out = await c.admin.press(f"case:open:{row.id}"); print(texts(out), [payloads(r) for r in out.replies])
    out = await c.admin.press(f"case:assign:{row.id}"); print(texts(out), [payloads(r) for r in out.replies])
    out = await c.admin.press(f"case:to:{row.id}:{c.units[DC]}"); print(texts(out), [payloads(r) for r in out.replies])
    o = c.officials[DC]
    out = await o.press(f"case:open:{row.id}"); print(texts(out), [payloads(r) for r in out.replies])
    out = await c.admin.press(f"case:open:{row.id}"); print(texts(out), [payloads(r) for r in out.replies])
    out = await o.press(f"case:answer:{row.id}"); print(texts(out), [payloads(r) for r in out.replies])
    out = await o.say("We checked."); print(texts(out), [payloads(r) for r in out.replies])
    s = await sweep(runtime, clock.now())
    for r in s.to(lan): print("NOTICE", r.text, payloads(r))
    out = await lan.say(f"/track {code}"); print(texts(out), [payloads(r) for r in out.replies])
    out = await lan.press(f"fb:rate:{row.id}:unsatisfied"); print(texts(out))
    out = await lan.say("not fixed"); print(texts(out))
    out = await lan.say(f"/mycases"); print(texts(out))
    out = await c.admin.say("/qr"); print(texts(out))
