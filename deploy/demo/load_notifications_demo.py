#!/usr/bin/env python3
"""Loads the demo trust's notifications data into the notifications service through its API (parleyctl).

  deploy/demo/load_notifications_demo.py <path to parleyctl> [--no-broadcasts]
  deploy/demo/load_notifications_demo.py --check    (offline: every template uses only the variables it
                                                     declares or the built-in ones; scripts/lint.sh runs it)

  - trust templates (trust/templates/...) for every template the escalation, conduct and appointments relays send,
    with the variables those notices always carry, and the general ones schools use (newsletter,
    event, closure, trip consent, attendance, meeting); English for all, and the demo's home
    languages (pl, ur, bn, ro, pa, ko, ta, pt, ar) for the guardian-facing general ones and the
    enquiry acknowledgement. Lithuanian and Somali speakers have no variant: they get English (the
    fallback shows);
  - St Mary's own newsletter template, overriding the trust's there;
  - each school's settings (digest at 17:00; Woodgrange's routine email waits 1 hour behind the app copy);
  - three St Mary's guardians' preferences (newsletters as a daily digest, app only, no newsletter email);
  - four broadcasts: a Woodgrange emergency closure (texts every guardian), a St Mary's event with 10
    days' notice (accepted with SHORT_NOTICE), a Riverside year 9 trip consent, a Milton Road newsletter.

--no-broadcasts loads everything but the four broadcasts: the templates the relays' notices name
and the schools' settings, without any activity of its own (scripts/run.sh --check, where the trust
report must hold only the simulated week's activity).

Deterministic: the same templates, settings and preferences every time; guardians are taken in the
directory's order (the generator is seeded); dates are relative to today. Safe to run again: what is
already there (a template, a setting, a preference, a school's broadcast of that category) is left alone.
Load it before conduct, escalation and appointments start, so their relays find the templates.
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile

SCHOOLS = ["milton-road", "riverside-academy", "woodgrange-infant", "kenilworth", "st-marys"]
# The home languages of the demo trust (generate_demo_trust.py, LANGUAGE_WEIGHTS) that get a
# variant; lt and so deliberately have none.
LOCALES = ["pl", "ur", "bn", "ro", "pa", "ko", "ta", "pt", "ar"]

# ---- templates the relays send -------------------------------------------------------------------

# escalation (services/escalation/domain/enquiry_service.cc): every notice carries `enquiry` and `category`.
ESCALATION_VARS = ["enquiry", "category"]
# ...and these templates the variables of the promise and the progress update besides.
ESCALATION_EXTRA_VARS = {
    "escalation.acknowledgement_promised": ["promised_time", "promised_date"],
    "escalation.progress": ["progress"],
    "escalation.progress_promised": ["progress", "promised_time", "promised_date"],
    "escalation.channel_redirected": ["how_to_reach"],
}
ESCALATION = {
    "escalation.assigned": (
        "New enquiry for you: {{category}}",
        "Dear {{recipient_name}},\n\nA new {{category}} enquiry about {{pupil_names}} has been assigned to you "
        "({{enquiry}}). Please acknowledge and answer it as {{school_name}}'s communication policy asks."),
    "escalation.safeguarding_alert": (
        "Safeguarding concern: please act now",
        "Dear {{recipient_name}},\n\nA message raising a safeguarding concern about {{pupil_names}} has reached "
        "{{school_name}} ({{enquiry}}). Please look at it now."),
    "escalation.acknowledge_breach": (
        "Not acknowledged in time: {{category}} enquiry",
        "Dear {{recipient_name}},\n\nThe {{category}} enquiry {{enquiry}} about {{pupil_names}} was not "
        "acknowledged within the time {{school_name}}'s policy allows. Please acknowledge it as soon as you can."),
    "escalation.escalated": (
        "Enquiry escalated to you: {{category}}",
        "Dear {{recipient_name}},\n\nThe {{category}} enquiry {{enquiry}} about {{pupil_names}} has been escalated "
        "to you. Please answer it within the time {{school_name}}'s policy allows."),
    "escalation.referred_to_complaints": (
        "Referred to the complaints procedure",
        "Dear {{recipient_name}},\n\nThe enquiry {{enquiry}} about {{pupil_names}} has been referred to "
        "{{school_name}}'s complaints procedure. The school will write with the next steps."),
    "escalation.acknowledgement": (
        "We have received your message",
        "Dear {{recipient_name}},\n\nThank you for your message to {{school_name}}. We have received it (reference "
        "{{enquiry}}) and will reply within the time our communication policy promises."),
    # Milton Road says in the acknowledgement when a fuller response or meeting will happen
    # (AcknowledgeEnquiry with promised_time): promised_date is that time as the school's local date.
    "escalation.acknowledgement_promised": (
        "We have received your message",
        "Dear {{recipient_name}},\n\nThank you for your message to {{school_name}}. We have received it (reference "
        "{{enquiry}}). We will give you a fuller response, or meet you, by {{promised_date}}."),
    # Keeping the guardian informed of progress (RecordProgress), with the promise in force if any.
    "escalation.progress": (
        "An update on your message",
        "Dear {{recipient_name}},\n\nAn update from {{school_name}} on your message (reference {{enquiry}}):\n\n"
        "{{progress}}"),
    "escalation.progress_promised": (
        "An update on your message",
        "Dear {{recipient_name}},\n\nAn update from {{school_name}} on your message (reference {{enquiry}}):\n\n"
        "{{progress}}\n\nWe will give you a fuller response, or meet you, by {{promised_date}}."),
    "escalation.redirected": (
        "Please contact us as agreed",
        "Dear {{recipient_name}},\n\nThank you for your message to {{school_name}} (reference {{enquiry}}). As "
        "agreed with you, please use the channel and contact named in your communication arrangement; your message "
        "has been passed to them."),
    "escalation.channel_redirected": (
        "How to reach us about this: {{category}}",
        "Dear {{recipient_name}},\n\nThank you for your message to {{school_name}} (reference {{enquiry}}). "
        "We do not take {{category}} matters this way, so it has been recorded but will not be answered. "
        "{{how_to_reach}}"),
    "escalation.reopened": (
        "Enquiry reopened: {{category}}",
        "Dear {{recipient_name}},\n\nThe {{category}} enquiry {{enquiry}} about {{pupil_names}} has been reopened "
        "and needs an answer again."),
    "escalation.response_breach": (
        "Not answered in time: {{category}} enquiry",
        "Dear {{recipient_name}},\n\nThe {{category}} enquiry {{enquiry}} about {{pupil_names}} was not answered "
        "within the time {{school_name}}'s policy allows. Please answer it as soon as you can."),
    "escalation.follow_up_breach": (
        "Follow-up not done in time: {{category}} enquiry",
        "Dear {{recipient_name}},\n\nThe follow-up action on the {{category}} enquiry {{enquiry}} about "
        "{{pupil_names}} was not completed within the time {{school_name}}'s policy allows. Please complete it and "
        "resolve the enquiry as soon as you can."),
    # To the people a route names besides the owner (Woodgrange's head for urgent matters, Milton
    # Road's Chair of Governors for breaches of the code, St Mary's business manager for lettings).
    "escalation.informed": (
        "For your information: {{category}} enquiry",
        "Dear {{recipient_name}},\n\nA {{category}} enquiry about {{pupil_names}} has reached {{school_name}} "
        "({{enquiry}}). {{school_name}}'s policy asks that you are told of it; its owner will deal with it."),
}

# appointments (services/appointments/domain: request_rules.cc, booking_service.cc, evening_service.cc): the
# relay sends them with category "meeting". Each declares only the variables its notice always carries
# (a notice without a declared one is refused); the rest comes from the built-ins (recipient_name,
# pupil_names, school_name), so a template never fails on a detail a notice leaves out.
APPOINTMENTS = {
    # To guardians.
    "appointments.booking_confirmed": (
        ["booking", "times", "mode"], "Your meeting with {{school_name}} is booked",
        "Dear {{recipient_name}},\n\nYour meeting about {{pupil_names}} is confirmed: {{times}} ({{mode}}). "
        "If you can no longer come, please let {{school_name}} know as soon as you can (reference {{booking}})."),
    "appointments.evening_booked": (
        ["evening", "booking", "start_time"], "Parents' evening: your appointment is booked",
        "Dear {{recipient_name}},\n\nYour appointment at {{school_name}}'s {{evening}} about {{pupil_names}} is "
        "booked for {{start_time}} (reference {{booking}}). Your full timetable is in the app."),
    "appointments.waiting_list_offer": (
        ["evening", "start_time", "hold_expire_time"], "A parents' evening appointment is free for you",
        "Dear {{recipient_name}},\n\nAn appointment at {{school_name}}'s {{evening}} about {{pupil_names}} has come "
        "free at {{start_time}}. It is held for you until {{hold_expire_time}}: confirm it in the app before then "
        "or it goes to the next family waiting."),
    "appointments.meeting_offered": (
        ["meeting_request"], "{{school_name}} has offered times to meet",
        "Dear {{recipient_name}},\n\n{{school_name}} has offered times for the meeting you asked for about "
        "{{pupil_names}} (reference {{meeting_request}}). Please choose one in the app, or suggest others."),
    "appointments.booking_cancelled": (
        ["booking", "time"], "Your meeting with {{school_name}} has been cancelled",
        "Dear {{recipient_name}},\n\nYour meeting about {{pupil_names}} on {{time}} has been cancelled (reference "
        "{{booking}}). {{school_name}} will be in touch to arrange another time if one is needed."),
    "appointments.evening_cancelled": (
        ["evening", "reason"], "{{evening}} has been cancelled",
        "Dear {{recipient_name}},\n\nWe are sorry: {{school_name}}'s {{evening}} has been cancelled ({{reason}}). "
        "Your appointments about {{pupil_names}} will not take place; the school will tell you of a new date."),
    # To staff.
    "appointments.answer_breach": (
        ["meeting_request", "due_time"], "Meeting request not answered in time",
        "Dear {{recipient_name}},\n\nThe meeting request {{meeting_request}} about {{pupil_names}} was not answered "
        "with times by {{due_time}}, as {{school_name}}'s policy promises. Please offer times as soon as you can."),
    "appointments.hold_breach": (
        ["meeting_request", "due_time"], "Meeting not held in time",
        "Dear {{recipient_name}},\n\nThe meeting asked for in {{meeting_request}} about {{pupil_names}} was not held "
        "by {{due_time}}, as {{school_name}}'s policy promises. Please arrange it as soon as you can."),
    "appointments.call_back_due": (
        ["meeting_request", "due_time"], "A parent is owed a call back today",
        "Dear {{recipient_name}},\n\nThe arranged call for {{meeting_request}} about {{pupil_names}} was missed. "
        "Please call the parent back by {{due_time}}."),
    "appointments.call_back_breach": (
        ["meeting_request", "due_time"], "Call back not made in time",
        "Dear {{recipient_name}},\n\nThe parent owed a call back for {{meeting_request}} about {{pupil_names}} was "
        "not called by {{due_time}}, as {{school_name}}'s policy promises. Please call them as soon as you can."),
    "appointments.head_informed": (
        ["booking", "time", "mode"], "For your information: a meeting with conditions",
        "Dear {{recipient_name}},\n\nA meeting under a communication arrangement has been booked at "
        "{{school_name}} for {{time}} ({{mode}}, reference {{booking}}). The arrangement asks that you are told."),
}

# conduct (services/conduct/domain/conduct_service.cc LetterNotice, TemplateFor): every letter
# carries all of these, empty when the arrangement has none.
LETTER_VARS = ["arrangement", "version", "reasons", "allowed_channels", "allowed_windows", "point_of_contact",
               "second_staff_required", "head_informed", "off_site_only", "review_date", "start_time", "end_time"]
LETTER_TERMS = ("\n\nHow to contact the school: {{allowed_channels}}, at these times: {{allowed_windows}}. "
                "Your point of contact: {{point_of_contact}}. The arrangement will be reviewed on {{review_date}}.")
CONDUCT = {
    "conduct.arrangement_issued": (
        LETTER_VARS, "A communication arrangement with {{school_name}}",
        "Dear {{recipient_name}},\n\n{{school_name}} has put in place a communication arrangement "
        "({{arrangement}}, version {{version}}), from {{start_time}}, for these reasons: {{reasons}}" + LETTER_TERMS),
    "conduct.arrangement_tightened": (
        LETTER_VARS, "Changes to your communication arrangement",
        "Dear {{recipient_name}},\n\n{{school_name}} has changed your communication arrangement ({{arrangement}}, "
        "now version {{version}}) for these reasons: {{reasons}}" + LETTER_TERMS),
    "conduct.arrangement_ended": (
        LETTER_VARS, "Your communication arrangement has ended",
        "Dear {{recipient_name}},\n\nThe communication arrangement {{arrangement}} with {{school_name}} ended on "
        "{{end_time}}. You may contact the school in the usual ways again."),
    # review.cc ReviewReminder: to the headteacher.
    "conduct.arrangement_review_due": (
        ["arrangement", "guardian", "review_date"], "Arrangement review due {{review_date}}",
        "Dear {{recipient_name}},\n\nThe communication arrangement {{arrangement}} with {{guardian}} is due for "
        "review on {{review_date}}. Please continue it, tighten it or end it."),
    # incident_notices.cc ReferralNotices: to whom the school's policy refers a recorded incident
    # (Riverside: the recorder's line manager at once; Milton Road: the Chair of Governors).
    "conduct.incident_reported": (
        ["incident", "kind", "channel", "occur_time", "guardian", "reported_by", "referred_as"],
        "Conduct incident reported: {{kind}}",
        "Dear {{recipient_name}},\n\nAn incident under {{school_name}}'s parent code of conduct has been recorded "
        "({{incident}}): {{kind}} by {{guardian}} ({{channel}}) at {{occur_time}}, reported by {{reported_by}}. "
        "It is referred to you as {{referred_as}}, as the school's communication policy says."),
}

# ---- general templates, guardian-facing: (category, variables, {locale: (subject, body, sms)}) ---------

GENERAL = {
    "newsletter": ("CATEGORY_NEWSLETTER", ["headline", "link"], {
        "en": ("{{school_name}} newsletter: {{headline}}",
               "Dear {{recipient_name}},\n\nThe new {{school_name}} newsletter is out: {{headline}}. You can read it "
               "here: {{link}}\n\nThank you.", ""),
        "pl": ("Biuletyn {{school_name}}: {{headline}}",
               "Szanowni Państwo,\n\nnowy biuletyn {{school_name}} jest już dostępny: {{headline}}. Można go "
               "przeczytać tutaj: {{link}}\n\nDziękujemy.", ""),
        "ur": ("{{school_name}} کا خبرنامہ: {{headline}}",
               "محترم والدین،\n\n{{school_name}} کا نیا خبرنامہ جاری ہو گیا ہے: {{headline}}۔ آپ اسے یہاں پڑھ سکتے "
               "ہیں: {{link}}\n\nشکریہ۔", ""),
        "bn": ("{{school_name}}-এর নিউজলেটার: {{headline}}",
               "প্রিয় অভিভাবক,\n\n{{school_name}}-এর নতুন নিউজলেটার প্রকাশিত হয়েছে: {{headline}}। এখানে পড়ুন: "
               "{{link}}\n\nধন্যবাদ।", ""),
        "ro": ("Buletinul informativ {{school_name}}: {{headline}}",
               "Stimate părinte,\n\nNoul buletin informativ al școlii {{school_name}} este disponibil: {{headline}}. "
               "Îl puteți citi aici: {{link}}\n\nVă mulțumim.", ""),
        "pa": ("{{school_name}} ਦਾ ਨਿਊਜ਼ਲੈਟਰ: {{headline}}",
               "ਪਿਆਰੇ ਮਾਪਿਓ,\n\n{{school_name}} ਦਾ ਨਵਾਂ ਨਿਊਜ਼ਲੈਟਰ ਆ ਗਿਆ ਹੈ: {{headline}}। ਤੁਸੀਂ ਇਸਨੂੰ ਇੱਥੇ ਪੜ੍ਹ ਸਕਦੇ "
               "ਹੋ: {{link}}\n\nਧੰਨਵਾਦ।", ""),
        "ko": ("{{school_name}} 소식지: {{headline}}",
               "학부모님께,\n\n{{school_name}}의 새 소식지가 나왔습니다: {{headline}}. 여기에서 읽으실 수 있습니다: "
               "{{link}}\n\n감사합니다.", ""),
        "ta": ("{{school_name}} செய்தி மடல்: {{headline}}",
               "அன்புள்ள பெற்றோரே,\n\n{{school_name}} இன் புதிய செய்தி மடல் வெளியாகியுள்ளது: {{headline}}. இதை "
               "இங்கே படிக்கலாம்: {{link}}\n\nநன்றி.", ""),
        "pt": ("Boletim informativo da {{school_name}}: {{headline}}",
               "Caro encarregado de educação,\n\nO novo boletim informativo da {{school_name}} já está disponível: "
               "{{headline}}. Pode lê-lo aqui: {{link}}\n\nObrigado.", ""),
        "ar": ("النشرة الإخبارية لمدرسة {{school_name}}: {{headline}}",
               "ولي الأمر الكريم،\n\nصدرت النشرة الإخبارية الجديدة لمدرسة {{school_name}}: {{headline}}. يمكنكم "
               "قراءتها هنا: {{link}}\n\nشكرًا لكم.", ""),
    }),
    "event": ("CATEGORY_EVENT", ["event", "time", "place"], {
        "en": ("Invitation: {{event}}",
               "Dear {{recipient_name}},\n\nYou are warmly invited to {{event}} at {{school_name}} on {{event_date}} "
               "at {{time}} ({{place}}).\n\nWe look forward to seeing you.", ""),
        "pl": ("Zaproszenie: {{event}}",
               "Szanowni Państwo,\n\nserdecznie zapraszamy na wydarzenie „{{event}}” w szkole {{school_name}} w dniu "
               "{{event_date}} o godz. {{time}} ({{place}}).\n\nDo zobaczenia!", ""),
        "ur": ("دعوت نامہ: {{event}}",
               "محترم والدین،\n\nہم آپ کو {{event_date}} کو {{time}} بجے {{school_name}} میں {{event}} ({{place}}) "
               "میں شرکت کی دعوت دیتے ہیں۔\n\nہمیں آپ کا انتظار رہے گا۔", ""),
        "bn": ("আমন্ত্রণ: {{event}}",
               "প্রিয় অভিভাবক,\n\n{{event_date}} তারিখে {{time}}-এ {{school_name}}-এ {{event}} ({{place}})-এ আপনাকে "
               "সাদর আমন্ত্রণ জানাচ্ছি।\n\nআপনার অপেক্ষায় থাকব।", ""),
        "ro": ("Invitație: {{event}}",
               "Stimate părinte,\n\nVă invităm cu drag la {{event}} la școala {{school_name}}, pe {{event_date}}, ora "
               "{{time}} ({{place}}).\n\nVă așteptăm!", ""),
        "pa": ("ਸੱਦਾ: {{event}}",
               "ਪਿਆਰੇ ਮਾਪਿਓ,\n\nਅਸੀਂ ਤੁਹਾਨੂੰ {{event_date}} ਨੂੰ {{time}} ਵਜੇ {{school_name}} ਵਿਖੇ {{event}} ({{place}}) "
               "ਲਈ ਨਿੱਘਾ ਸੱਦਾ ਦਿੰਦੇ ਹਾਂ।\n\nਤੁਹਾਡੀ ਉਡੀਕ ਰਹੇਗੀ।", ""),
        "ko": ("초대: {{event}}",
               "학부모님께,\n\n{{event_date}} {{time}}에 {{school_name}}에서 열리는 {{event}}({{place}})에 정중히 "
               "초대합니다.\n\n많은 참석 바랍니다.", ""),
        "ta": ("அழைப்பு: {{event}}",
               "அன்புள்ள பெற்றோரே,\n\n{{event_date}} அன்று {{time}} மணிக்கு {{school_name}} இல் நடைபெறும் {{event}} "
               "({{place}}) நிகழ்வுக்கு உங்களை அன்புடன் அழைக்கிறோம்.\n\nஉங்கள் வருகையை எதிர்பார்க்கிறோம்.", ""),
        "pt": ("Convite: {{event}}",
               "Caro encarregado de educação,\n\nTemos o prazer de o convidar para {{event}} na {{school_name}}, no dia "
               "{{event_date}} às {{time}} ({{place}}).\n\nContamos consigo!", ""),
        "ar": ("دعوة: {{event}}",
               "ولي الأمر الكريم،\n\nيسعدنا دعوتكم إلى {{event}} في مدرسة {{school_name}} يوم {{event_date}} الساعة "
               "{{time}} ({{place}}).\n\nنتطلع إلى رؤيتكم.", ""),
    }),
    "closure": ("CATEGORY_CLOSURE", ["reason", "reopening"], {
        "en": ("{{school_name}} is closed today",
               "Dear {{recipient_name}},\n\n{{school_name}} is closed today because of {{reason}}. {{reopening}}\n\n"
               "We are sorry for the disruption.",
               "{{school_name}} is closed today ({{reason}}). {{reopening}}"),
        "pl": ("Szkoła {{school_name}} jest dziś zamknięta",
               "Szanowni Państwo,\n\nszkoła {{school_name}} jest dziś zamknięta z powodu: {{reason}}. {{reopening}}\n\n"
               "Przepraszamy za utrudnienia.",
               "Szkoła {{school_name}} jest dziś zamknięta ({{reason}}). {{reopening}}"),
        "ur": ("{{school_name}} آج بند ہے",
               "محترم والدین،\n\n{{school_name}} آج اس وجہ سے بند ہے: {{reason}}۔ {{reopening}}\n\nزحمت کے لیے معذرت۔",
               "{{school_name}} آج بند ہے ({{reason}})۔ {{reopening}}"),
        "bn": ("{{school_name}} আজ বন্ধ",
               "প্রিয় অভিভাবক,\n\n{{reason}}-এর কারণে {{school_name}} আজ বন্ধ থাকবে। {{reopening}}\n\nঅসুবিধার জন্য "
               "আমরা দুঃখিত।",
               "{{school_name}} আজ বন্ধ ({{reason}})। {{reopening}}"),
        "ro": ("Școala {{school_name}} este închisă astăzi",
               "Stimate părinte,\n\nȘcoala {{school_name}} este închisă astăzi din cauza: {{reason}}. {{reopening}}\n\n"
               "Ne cerem scuze pentru neplăcere.",
               "Școala {{school_name}} este închisă astăzi ({{reason}}). {{reopening}}"),
        "pa": ("{{school_name}} ਅੱਜ ਬੰਦ ਹੈ",
               "ਪਿਆਰੇ ਮਾਪਿਓ,\n\n{{school_name}} ਅੱਜ ਇਸ ਕਾਰਨ ਬੰਦ ਹੈ: {{reason}}। {{reopening}}\n\nਅਸੁਵਿਧਾ ਲਈ ਮੁਆਫ਼ੀ।",
               "{{school_name}} ਅੱਜ ਬੰਦ ਹੈ ({{reason}})। {{reopening}}"),
        "ko": ("{{school_name}} 오늘 휴교 안내",
               "학부모님께,\n\n{{reason}}(으)로 인해 {{school_name}}은(는) 오늘 휴교합니다. {{reopening}}\n\n불편을 "
               "드려 죄송합니다.",
               "{{school_name}} 오늘 휴교 ({{reason}}). {{reopening}}"),
        "ta": ("{{school_name}} இன்று மூடப்பட்டுள்ளது",
               "அன்புள்ள பெற்றோரே,\n\n{{reason}} காரணமாக {{school_name}} இன்று மூடப்பட்டுள்ளது. {{reopening}}\n\n"
               "சிரமத்திற்கு வருந்துகிறோம்.",
               "{{school_name}} இன்று மூடப்பட்டுள்ளது ({{reason}}). {{reopening}}"),
        "pt": ("A {{school_name}} está fechada hoje",
               "Caro encarregado de educação,\n\nA {{school_name}} está fechada hoje devido a: {{reason}}. "
               "{{reopening}}\n\nPedimos desculpa pelo incómodo.",
               "A {{school_name}} está fechada hoje ({{reason}}). {{reopening}}"),
        "ar": ("مدرسة {{school_name}} مغلقة اليوم",
               "ولي الأمر الكريم،\n\nمدرسة {{school_name}} مغلقة اليوم بسبب: {{reason}}. {{reopening}}\n\nنعتذر عن "
               "أي إزعاج.",
               "مدرسة {{school_name}} مغلقة اليوم ({{reason}}). {{reopening}}"),
    }),
    # A trip letter that asks for consent: one yes/no per pupil in the app.
    "trip": ("CATEGORY_CONSENT", ["trip", "cost", "reply_by"], {
        "en": ("Trip consent: {{trip}}",
               "Dear {{recipient_name}},\n\n{{pupil_names}} is invited on a trip to {{trip}} on {{event_date}}. Cost: "
               "{{cost}}. Please answer yes or no in the Parley app by {{reply_by}}.\n\nThank you.", ""),
        "pl": ("Zgoda na wycieczkę: {{trip}}",
               "Szanowni Państwo,\n\n{{pupil_names}} może wziąć udział w wycieczce: {{trip}} w dniu {{event_date}}. "
               "Koszt: {{cost}}. Prosimy o odpowiedź (tak lub nie) w aplikacji Parley do {{reply_by}}.\n\n"
               "Dziękujemy.", ""),
        "ur": ("تعلیمی دورے کی اجازت: {{trip}}",
               "محترم والدین،\n\n{{pupil_names}} کو {{event_date}} کو {{trip}} کے دورے پر مدعو کیا گیا ہے۔ لاگت: "
               "{{cost}}۔ براہ کرم {{reply_by}} تک Parley ایپ میں ہاں یا نہیں میں جواب دیں۔\n\nشکریہ۔", ""),
        "bn": ("শিক্ষা সফরের অনুমতি: {{trip}}",
               "প্রিয় অভিভাবক,\n\n{{pupil_names}}-কে {{event_date}} তারিখে {{trip}} সফরে আমন্ত্রণ জানানো হয়েছে। খরচ: "
               "{{cost}}। অনুগ্রহ করে {{reply_by}}-এর মধ্যে Parley অ্যাপে হ্যাঁ বা না উত্তর দিন।\n\nধন্যবাদ।", ""),
        "ro": ("Acord pentru excursie: {{trip}}",
               "Stimate părinte,\n\n{{pupil_names}} este invitat(ă) în excursia {{trip}} din {{event_date}}. Cost: "
               "{{cost}}. Vă rugăm să răspundeți (da sau nu) în aplicația Parley până la {{reply_by}}.\n\n"
               "Vă mulțumim.", ""),
        "pa": ("ਵਿੱਦਿਅਕ ਯਾਤਰਾ ਦੀ ਸਹਿਮਤੀ: {{trip}}",
               "ਪਿਆਰੇ ਮਾਪਿਓ,\n\n{{pupil_names}} ਨੂੰ {{event_date}} ਨੂੰ {{trip}} ਦੀ ਯਾਤਰਾ ਲਈ ਸੱਦਾ ਦਿੱਤਾ ਗਿਆ ਹੈ। ਖਰਚਾ: "
               "{{cost}}। ਕਿਰਪਾ ਕਰਕੇ {{reply_by}} ਤੱਕ Parley ਐਪ ਵਿੱਚ ਹਾਂ ਜਾਂ ਨਾਂਹ ਵਿੱਚ ਜਵਾਬ ਦਿਓ।\n\nਧੰਨਵਾਦ।", ""),
        "ko": ("현장 학습 동의: {{trip}}",
               "학부모님께,\n\n{{pupil_names}} 학생이 {{event_date}} {{trip}} 현장 학습에 초대되었습니다. 비용: {{cost}}. "
               "{{reply_by}}까지 Parley 앱에서 동의 여부(예/아니요)를 알려 주십시오.\n\n감사합니다.", ""),
        "ta": ("கல்விச் சுற்றுலா ஒப்புதல்: {{trip}}",
               "அன்புள்ள பெற்றோரே,\n\n{{event_date}} அன்று {{trip}} சுற்றுலாவுக்கு {{pupil_names}} "
               "அழைக்கப்பட்டுள்ளார். செலவு: {{cost}}. {{reply_by}} க்குள் Parley செயலியில் ஆம் அல்லது இல்லை என்று "
               "பதிலளிக்கவும்.\n\nநன்றி.", ""),
        "pt": ("Autorização para visita de estudo: {{trip}}",
               "Caro encarregado de educação,\n\n{{pupil_names}} está convidado(a) para a visita de estudo {{trip}} no "
               "dia {{event_date}}. Custo: {{cost}}. Por favor, responda (sim ou não) na aplicação Parley até "
               "{{reply_by}}.\n\nObrigado.", ""),
        "ar": ("الموافقة على الرحلة: {{trip}}",
               "ولي الأمر الكريم،\n\n{{pupil_names}} مدعو/ة إلى رحلة {{trip}} يوم {{event_date}}. التكلفة: {{cost}}. "
               "يرجى الرد (نعم أو لا) في تطبيق Parley قبل {{reply_by}}.\n\nشكرًا لكم.", ""),
    }),
    "attendance": ("CATEGORY_ATTENDANCE", ["date"], {
        "en": ("Absence: {{pupil_names}}",
               "Dear {{recipient_name}},\n\n{{pupil_names}} was not marked present at {{school_name}} on {{date}}. "
               "Please let the office know the reason for the absence.\n\nThank you.", ""),
        "pl": ("Nieobecność: {{pupil_names}}",
               "Szanowni Państwo,\n\n{{pupil_names}} nie było w szkole {{school_name}} w dniu {{date}}. Prosimy o "
               "poinformowanie sekretariatu o przyczynie nieobecności.\n\nDziękujemy.", ""),
        "ur": ("غیر حاضری: {{pupil_names}}",
               "محترم والدین،\n\n{{pupil_names}} {{date}} کو {{school_name}} میں حاضر نہیں تھے۔ براہ کرم اسکول کے "
               "دفتر کو غیر حاضری کی وجہ سے آگاہ کریں۔\n\nشکریہ۔", ""),
        "bn": ("অনুপস্থিতি: {{pupil_names}}",
               "প্রিয় অভিভাবক,\n\n{{pupil_names}} {{date}} তারিখে {{school_name}}-এ উপস্থিত ছিল না। অনুগ্রহ করে "
               "অনুপস্থিতির কারণ স্কুল অফিসকে জানান।\n\nধন্যবাদ।", ""),
        "ro": ("Absență: {{pupil_names}}",
               "Stimate părinte,\n\n{{pupil_names}} nu a fost prezent(ă) la școala {{school_name}} pe {{date}}. Vă "
               "rugăm să anunțați secretariatul despre motivul absenței.\n\nVă mulțumim.", ""),
        "pa": ("ਗੈਰਹਾਜ਼ਰੀ: {{pupil_names}}",
               "ਪਿਆਰੇ ਮਾਪਿਓ,\n\n{{pupil_names}} {{date}} ਨੂੰ {{school_name}} ਵਿੱਚ ਹਾਜ਼ਰ ਨਹੀਂ ਸੀ। ਕਿਰਪਾ ਕਰਕੇ ਸਕੂਲ ਦਫ਼ਤਰ "
               "ਨੂੰ ਗੈਰਹਾਜ਼ਰੀ ਦਾ ਕਾਰਨ ਦੱਸੋ।\n\nਧੰਨਵਾਦ।", ""),
        "ko": ("결석 안내: {{pupil_names}}",
               "학부모님께,\n\n{{pupil_names}} 학생이 {{date}}에 {{school_name}}에 출석하지 않았습니다. 결석 사유를 학교 "
               "행정실에 알려 주십시오.\n\n감사합니다.", ""),
        "ta": ("வருகையின்மை: {{pupil_names}}",
               "அன்புள்ள பெற்றோரே,\n\n{{date}} அன்று {{pupil_names}} {{school_name}} க்கு வரவில்லை. வராததற்கான "
               "காரணத்தைப் பள்ளி அலுவலகத்திற்குத் தெரிவிக்கவும்.\n\nநன்றி.", ""),
        "pt": ("Ausência: {{pupil_names}}",
               "Caro encarregado de educação,\n\n{{pupil_names}} não esteve presente na {{school_name}} no dia {{date}}. "
               "Por favor, informe a secretaria do motivo da ausência.\n\nObrigado.", ""),
        "ar": ("غياب: {{pupil_names}}",
               "ولي الأمر الكريم،\n\nلم يحضر {{pupil_names}} إلى مدرسة {{school_name}} يوم {{date}}. يرجى إبلاغ مكتب "
               "المدرسة بسبب الغياب.\n\nشكرًا لكم.", ""),
    }),
    "meeting": ("CATEGORY_MEETING", ["meeting", "time", "place"], {
        "en": ("Meeting confirmed: {{meeting}}",
               "Dear {{recipient_name}},\n\nYour meeting about {{pupil_names}} ({{meeting}}) is confirmed for "
               "{{event_date}} at {{time}}, {{place}}. If you would like an interpreter, please tell the office.\n\n"
               "Thank you.", ""),
        "pl": ("Potwierdzenie spotkania: {{meeting}}",
               "Szanowni Państwo,\n\npotwierdzamy spotkanie w sprawie {{pupil_names}} ({{meeting}}) w dniu "
               "{{event_date}} o godz. {{time}}, miejsce: {{place}}. Jeśli potrzebują Państwo tłumacza, prosimy o "
               "informację w sekretariacie.\n\nDziękujemy.", ""),
        "ur": ("ملاقات کی تصدیق: {{meeting}}",
               "محترم والدین،\n\n{{pupil_names}} کے بارے میں آپ کی ملاقات ({{meeting}}) {{event_date}} کو {{time}} بجے، "
               "{{place}} میں طے ہے۔ اگر آپ کو مترجم کی ضرورت ہو تو براہ کرم دفتر کو بتائیں۔\n\nشکریہ۔", ""),
        "bn": ("সাক্ষাতের নিশ্চিতকরণ: {{meeting}}",
               "প্রিয় অভিভাবক,\n\n{{pupil_names}} সম্পর্কে আপনার সাক্ষাৎ ({{meeting}}) {{event_date}} তারিখে {{time}}-এ, "
               "{{place}}-এ নিশ্চিত করা হলো। দোভাষীর প্রয়োজন হলে অনুগ্রহ করে অফিসকে জানান।\n\nধন্যবাদ।", ""),
        "ro": ("Confirmarea întâlnirii: {{meeting}}",
               "Stimate părinte,\n\nVă confirmăm întâlnirea despre {{pupil_names}} ({{meeting}}) pe {{event_date}}, ora "
               "{{time}}, la {{place}}. Dacă doriți un interpret, vă rugăm să anunțați secretariatul.\n\n"
               "Vă mulțumim.", ""),
        "pa": ("ਮੁਲਾਕਾਤ ਦੀ ਪੁਸ਼ਟੀ: {{meeting}}",
               "ਪਿਆਰੇ ਮਾਪਿਓ,\n\n{{pupil_names}} ਬਾਰੇ ਤੁਹਾਡੀ ਮੁਲਾਕਾਤ ({{meeting}}) {{event_date}} ਨੂੰ {{time}} ਵਜੇ, "
               "{{place}} ਵਿਖੇ ਪੱਕੀ ਹੈ। ਜੇ ਤੁਹਾਨੂੰ ਦੁਭਾਸ਼ੀਏ ਦੀ ਲੋੜ ਹੈ ਤਾਂ ਕਿਰਪਾ ਕਰਕੇ ਦਫ਼ਤਰ ਨੂੰ ਦੱਸੋ।\n\nਧੰਨਵਾਦ।", ""),
        "ko": ("면담 확인: {{meeting}}",
               "학부모님께,\n\n{{pupil_names}} 학생에 관한 면담({{meeting}})이 {{event_date}} {{time}}, {{place}}(으)로 "
               "확정되었습니다. 통역이 필요하시면 행정실에 알려 주십시오.\n\n감사합니다.", ""),
        "ta": ("சந்திப்பு உறுதிப்படுத்தல்: {{meeting}}",
               "அன்புள்ள பெற்றோரே,\n\n{{pupil_names}} பற்றிய உங்கள் சந்திப்பு ({{meeting}}) {{event_date}} அன்று "
               "{{time}} மணிக்கு {{place}} இல் உறுதி செய்யப்பட்டுள்ளது. மொழிபெயர்ப்பாளர் தேவைப்பட்டால் பள்ளி "
               "அலுவலகத்திற்குத் தெரிவிக்கவும்.\n\nநன்றி.", ""),
        "pt": ("Confirmação de reunião: {{meeting}}",
               "Caro encarregado de educação,\n\nConfirmamos a reunião sobre {{pupil_names}} ({{meeting}}) no dia "
               "{{event_date}} às {{time}}, em {{place}}. Se precisar de um intérprete, informe a secretaria.\n\n"
               "Obrigado.", ""),
        "ar": ("تأكيد الموعد: {{meeting}}",
               "ولي الأمر الكريم،\n\nنؤكد موعد الاجتماع بخصوص {{pupil_names}} ({{meeting}}) يوم {{event_date}} الساعة "
               "{{time}} في {{place}}. إذا احتجتم إلى مترجم، يرجى إبلاغ مكتب المدرسة.\n\nشكرًا لكم.", ""),
    }),
}

# The acknowledgement goes to the guardian: it is translated too.
ACK_TRANSLATIONS = {
    "pl": ("Otrzymaliśmy Państwa wiadomość",
           "Szanowni Państwo,\n\ndziękujemy za wiadomość do szkoły {{school_name}}. Otrzymaliśmy ją (numer sprawy "
           "{{enquiry}}) i odpowiemy w terminie określonym w naszych zasadach komunikacji."),
    "ur": ("ہمیں آپ کا پیغام موصول ہو گیا ہے",
           "محترم والدین،\n\n{{school_name}} کو پیغام بھیجنے کا شکریہ۔ ہمیں یہ موصول ہو گیا ہے (حوالہ {{enquiry}}) "
           "اور ہم اپنی مواصلاتی پالیسی میں طے شدہ وقت کے اندر جواب دیں گے۔"),
    "bn": ("আমরা আপনার বার্তা পেয়েছি",
           "প্রিয় অভিভাবক,\n\n{{school_name}}-কে বার্তা পাঠানোর জন্য ধন্যবাদ। আমরা এটি পেয়েছি (রেফারেন্স {{enquiry}}) "
           "এবং আমাদের যোগাযোগ নীতিতে নির্ধারিত সময়ের মধ্যে উত্তর দেব।"),
    "ro": ("Am primit mesajul dumneavoastră",
           "Stimate părinte,\n\nVă mulțumim pentru mesajul trimis școlii {{school_name}}. L-am primit (referință "
           "{{enquiry}}) și vă vom răspunde în termenul prevăzut de politica noastră de comunicare."),
    "pa": ("ਸਾਨੂੰ ਤੁਹਾਡਾ ਸੁਨੇਹਾ ਮਿਲ ਗਿਆ ਹੈ",
           "ਪਿਆਰੇ ਮਾਪਿਓ,\n\n{{school_name}} ਨੂੰ ਸੁਨੇਹਾ ਭੇਜਣ ਲਈ ਧੰਨਵਾਦ। ਸਾਨੂੰ ਇਹ ਮਿਲ ਗਿਆ ਹੈ (ਹਵਾਲਾ {{enquiry}}) ਅਤੇ ਅਸੀਂ "
           "ਆਪਣੀ ਸੰਚਾਰ ਨੀਤੀ ਵਿੱਚ ਦੱਸੇ ਸਮੇਂ ਅੰਦਰ ਜਵਾਬ ਦੇਵਾਂਗੇ।"),
    "ko": ("메시지를 잘 받았습니다",
           "학부모님께,\n\n{{school_name}}에 메시지를 보내 주셔서 감사합니다. 메시지를 잘 받았으며(참조 번호 {{enquiry}}), "
           "학교의 소통 정책에서 약속한 기간 안에 답변드리겠습니다."),
    "ta": ("உங்கள் செய்தி கிடைத்தது",
           "அன்புள்ள பெற்றோரே,\n\n{{school_name}} க்கு செய்தி அனுப்பியதற்கு நன்றி. அது எங்களுக்குக் கிடைத்தது (குறிப்பு "
           "எண் {{enquiry}}). எங்கள் தொடர்புக் கொள்கையில் குறிப்பிட்ட காலத்திற்குள் பதிலளிப்போம்."),
    "pt": ("Recebemos a sua mensagem",
           "Caro encarregado de educação,\n\nObrigado pela sua mensagem para a {{school_name}}. Recebemo-la "
           "(referência {{enquiry}}) e responderemos no prazo previsto na nossa política de comunicação."),
    "ar": ("لقد استلمنا رسالتكم",
           "ولي الأمر الكريم،\n\nشكرًا لرسالتكم إلى مدرسة {{school_name}}. لقد استلمناها (الرقم المرجعي {{enquiry}}) "
           "وسنرد عليكم خلال المدة التي تحددها سياسة التواصل لدينا."),
}

# St Mary's own newsletter (its "Friday letter"): overrides the trust's there, in English and the
# school's largest home languages.
ST_MARYS_NEWSLETTER = {
    "en": ("St Mary's Friday letter: {{headline}}",
           "Dear {{recipient_name}},\n\nThis week's Friday letter from St Mary's is ready: {{headline}}. Read it in "
           "the app or here: {{link}}\n\nWith best wishes from the St Mary's team."),
    "ko": ("세인트 메리 금요 소식: {{headline}}",
           "학부모님께,\n\n이번 주 세인트 메리 금요 소식이 준비되었습니다: {{headline}}. 앱이나 여기에서 읽으실 수 "
           "있습니다: {{link}}\n\n세인트 메리 교직원 드림."),
    "ta": ("செயின்ட் மேரிஸ் வெள்ளிக் கடிதம்: {{headline}}",
           "அன்புள்ள பெற்றோரே,\n\nஇந்த வாரத்தின் செயின்ட் மேரிஸ் வெள்ளிக் கடிதம் தயாராக உள்ளது: {{headline}}. செயலியில் "
           "அல்லது இங்கே படிக்கலாம்: {{link}}\n\nசெயின்ட் மேரிஸ் குழுவின் நல்வாழ்த்துகளுடன்."),
    "pl": ("Piątkowy list St Mary's: {{headline}}",
           "Szanowni Państwo,\n\npiątkowy list St Mary's na ten tydzień jest gotowy: {{headline}}. Można go przeczytać "
           "w aplikacji lub tutaj: {{link}}\n\nZ pozdrowieniami, zespół St Mary's."),
}


def ctl(exe, *args):
    done = subprocess.run([exe, "--json", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"parleyctl {' '.join(args[:2])} failed: {done.stderr.strip()}")
    return json.loads(done.stdout) if done.stdout.strip() else {}


def variant(locale, subject, body, sms=""):
    v = {"locale": locale, "subject": subject, "body": body}
    if sms:
        v["smsBody"] = sms
    return v


def all_templates():
    """(name, Template JSON) for every template the demo loads, in a fixed order."""
    out = []
    for tid, (subject, body) in ESCALATION.items():
        variants = [variant("en", subject, body)]
        if tid == "escalation.acknowledgement":
            variants += [variant(loc, *ACK_TRANSLATIONS[loc]) for loc in LOCALES]
        out.append({"name": f"trust/templates/{tid}", "category": "CATEGORY_ESCALATION",
                    "variables": ESCALATION_VARS + ESCALATION_EXTRA_VARS.get(tid, []), "variants": variants})
    for tid, (variables, subject, body) in CONDUCT.items():
        out.append({"name": f"trust/templates/{tid}", "category": "CATEGORY_CONDUCT_LETTER",
                    "variables": variables, "variants": [variant("en", subject, body)]})
    for tid, (variables, subject, body) in APPOINTMENTS.items():
        out.append({"name": f"trust/templates/{tid}", "category": "CATEGORY_MEETING",
                    "variables": variables, "variants": [variant("en", subject, body)]})
    for tid, (category, variables, texts) in GENERAL.items():
        out.append({"name": f"trust/templates/{tid}", "category": category, "variables": variables,
                    "variants": [variant(loc, *texts[loc]) for loc in ["en"] + LOCALES]})
    out.append({"name": "schools/st-marys/templates/newsletter", "category": "CATEGORY_NEWSLETTER",
                "variables": GENERAL["newsletter"][1],
                "variants": [variant(loc, *text) for loc, text in ST_MARYS_NEWSLETTER.items()]})
    return out


def existing_templates(exe, parent_args):
    return {t["name"] for t in ctl(exe, "templates", "list", *parent_args).get("templates", [])}


def load_templates(exe):
    have = existing_templates(exe, ["--trust"]) | existing_templates(exe, ["--school", "st-marys"])
    made = 0
    with tempfile.TemporaryDirectory(prefix="parley-templates-") as tmp:
        for t in all_templates():
            if t["name"] in have:
                continue
            path = os.path.join(tmp, t["name"].replace("/", "_") + ".json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(t, f, ensure_ascii=False)
            ctl(exe, "templates", "create", "--file", path)
            made += 1
    print(f"templates: {made} created, {len(all_templates()) - made} already there")


def load_settings(exe):
    wanted = {school: {"digest_time": "17:00", "app_read_wait": "1h" if school == "woodgrange-infant" else None}
              for school in SCHOOLS}
    changed = 0
    for school, want in wanted.items():
        have = ctl(exe, "notify-settings", "show", school)
        args = []
        if have.get("digestTime") != want["digest_time"]:
            args += ["--digest-time", want["digest_time"]]
        if want["app_read_wait"] and have.get("appReadWait") != "3600s":
            args += ["--app-read-wait", want["app_read_wait"]]
        if args:
            ctl(exe, "notify-settings", "set", school, *args)
            changed += 1
    print(f"school settings: {changed} changed")


def guardians_of(exe, school):
    """Guardians whose children are all at `school`, in the directory's order."""
    out = []
    for g in ctl(exe, "guardians", "list", "--school", school).get("guardians", []):
        pupils = [p["pupil"] for p in g.get("pupils", [])]
        if pupils and all(p.startswith(f"schools/{school}/") for p in pupils):
            out.append(g)
    return out


def load_preferences(exe):
    guardians = guardians_of(exe, "st-marys")[:3]
    wanted = [
        # Newsletters as one daily email and app digest at 17:00.
        (guardians[0], [("newsletter", "email", "digest"), ("newsletter", "app", "digest")]),
        # App only: no email or letter for routine categories.
        (guardians[1], [(c, ch, "off") for c in ("newsletter", "event", "trip") for ch in ("email", "letter")]),
        # Newsletters in the app only.
        (guardians[2], [("newsletter", "email", "off")]),
    ]
    changed = 0
    for g, entries in wanted:
        gid = g["name"].split("/")[1]
        have = ctl(exe, "prefs", "show", gid).get("entries", [])
        have_modes = {(e["category"], e["channel"]): e["mode"] for e in have}
        for category, channel, mode in entries:
            key = ("CATEGORY_" + category.upper(), "DELIVERY_CHANNEL_" + channel.upper())
            if have_modes.get(key) == "DELIVERY_MODE_" + mode.upper():
                continue
            ctl(exe, "prefs", "set", gid, "--category", category, "--channel", channel, "--mode", mode)
            changed += 1
    print(f"preferences: {changed} entries set for {len(wanted)} St Mary's guardians")


def broadcast(exe, school, category, args):
    if ctl(exe, "notices", "list", "--school", school, "--category", category).get("notices"):
        print(f"{school}: a {category} notice is already there")
        return
    notice = ctl(exe, "notices", "broadcast", "--school", school, "--category", category, *args)
    warnings = ", ".join(w.get("code", "") for w in notice.get("warnings", [])) or "none"
    print(f"{school}: {notice['name']} to {notice.get('recipientCount', 0)} recipients; warnings: {warnings}")


def load_broadcasts(exe):
    today = datetime.date.today()
    # Woodgrange texts only for essential or emergency messages: this closure goes by SMS to every
    # guardian with a mobile, and on every other fast channel they have.
    broadcast(exe, "woodgrange-infant", "closure",
              ["--audience", "school", "--priority", "emergency", "--template", "closure",
               "--var", "reason=a burst water main", "--var", "reopening=We will tell you as soon as it reopens."])
    # St Mary's asks for two weeks' notice of events: ten days is accepted with SHORT_NOTICE.
    broadcast(exe, "st-marys", "event",
              ["--audience", "school", "--priority", "routine", "--template", "event",
               "--event-date", (today + datetime.timedelta(days=10)).isoformat(),
               "--var", "event=the spring concert", "--var", "time=14:00", "--var", "place=the school hall"])
    # Riverside: a year 9 trip that needs each pupil's consent.
    broadcast(exe, "riverside-academy", "consent",
              ["--audience", "year:9", "--priority", "important", "--template", "trip",
               "--event-date", (today + datetime.timedelta(days=30)).isoformat(),
               "--var", "trip=the Science Museum", "--var", "cost=£12",
               "--var", f"reply_by={(today + datetime.timedelta(days=14)).isoformat()}"])
    # Milton Road: routine mail goes by app.
    broadcast(exe, "milton-road", "newsletter",
              ["--audience", "school", "--priority", "routine", "--template", "newsletter",
               "--var", "headline=Sports day, the reading challenge and lunch menus",
               "--var", "link=https://milton-road.example.org/newsletter"])


# What every notice carries without a template declaring it (services/notifications/domain/templates.cc).
BUILT_IN = {"recipient_name", "pupil_names", "school_name", "event_date"}


def check_templates():
    """The notifications service's own rule, offline: a template may use only the variables it declares
    and the built-in ones, and may not declare a built-in one. Returns the problems found."""
    import re
    problems = []
    for t in all_templates():
        declared = set(t["variables"])
        for v in sorted(declared & BUILT_IN):
            problems.append(f"{t['name']}: declares the built-in {v}")
        for var in t["variants"]:
            for field in ("subject", "body", "smsBody"):
                for used in re.findall(r"{{\s*([a-z_]+)\s*}}", var.get(field, "")):
                    if used not in declared and used not in BUILT_IN:
                        problems.append(f"{t['name']} ({var['locale']} {field}) uses {{{{{used}}}}}, not declared")
    return problems


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--check":
        problems = check_templates()
        for p in problems:
            print(p, file=sys.stderr)
        raise SystemExit(1 if problems else 0)
    args = sys.argv[1:]
    no_broadcasts = "--no-broadcasts" in args
    if no_broadcasts:
        args.remove("--no-broadcasts")
    if len(args) != 1:
        raise SystemExit(f"usage: {sys.argv[0]} <path to parleyctl> [--no-broadcasts] | --check")
    exe = args[0]
    load_templates(exe)
    load_settings(exe)
    load_preferences(exe)
    if not no_broadcasts:
        load_broadcasts(exe)


if __name__ == "__main__":
    main()
