"""The red-flag patterns: what each urgent symptom looks like in a normalised question.

The patterns only say what a symptom looks like; whether a mention is negated, past and
resolved, or part of a general question is decided in `safety`, which reads the context.
"""

import re

# Words the patterns key on; a token within a small edit distance of one is read as that word.
_KEY_WORD_LIST = """
    bladder bowel bowels control incontinence incontinent urinate urinating urine
    numbness genitals genital groin saddle perineum buttocks weakness weaker paralysed
    paralyzed paralysis fever feverish temperature cancer tumour tumor malignant chemotherapy
    unexplained unintentional weight constant unrelenting accident collision fracture
    fractured crash retention wetting leaking
"""
KEY_WORDS = frozenset(_KEY_WORD_LIST.split())

_NEAR = r"\W+(?:\w+\W+){0,6}?"  # up to six words apart
_CANT = (
    r"(?:can ?not|cant|could ?not|couldnt|unable to|not able to|no longer|struggl\w* to|hard to|"
    r"(?:havent|hasnt|have not|has not|not) been able to)"
)
# Weakness counts when it is in both legs; "my legs feel weak after squats" is ordinary.
_LEGS = r"(?:both legs|both of my legs|both feet|both my legs|both sides|both thighs)"
_NIGHT = r"(?:night|nights|nite|nighttime|night time|in bed|lying down|at rest|resting|sleep\w*)"
_UNRELENTING = (
    r"(?:constant|unrelenting|relentless|non ?stop|never (?:stops|eases|lets up)|"
    r"doesnt (?:ease|stop|go away|let up)|wont (?:ease|stop|go away|let up)|"
    r"no position|in any position|whatever position|cant get (?:comfy|comfortable)|"
    r"no matter (?:how|what|which)|doesnt matter how)"
)
# A broken wrist or toe is not the trauma that breaks a spine.
_LIMB = r"(?:wrist|ankle|finger|thumb|toe|hand|arm|elbow|foot|nose)"
_SPINE_FRACTURE = (
    rf"(?<!wrist )(?<!ankle )(?<!finger )(?<!thumb )(?<!toe )(?<!hand )(?<!arm )(?<!elbow )"
    rf"(?<!foot )(?<!nose )fractur\w*(?! (?:in |of )?(?:my |a |the |his |her )?{_LIMB})"
)
_SADDLE_AREA = (
    r"(?:down there|groin|genitals?|genital area|private (?:parts|area)|privates|"
    r"between (?:my|the) legs|saddle|crotch|perineum|anus|back passage|undercarriage|"
    r"(?:bum|butt) ?hole|when i wipe|inner thighs? and (?:groin|bottom))"
)

# (red flag name, pattern); the name is for logs and tests, the listener sees URGENT_CARE.
PATTERNS: list[tuple[str, re.Pattern]] = [
    (
        "bladder or bowel control",
        re.compile(
            r"\b(?:incontinen\w*|wet(?:ting)? (?:my ?self|the bed|my pants)|"
            r"(?:peed|pooed|pooped|soiled|messed) (?:my ?self|my pants)|"
            r"(?:leak\w*|los\w*|lost|losing|no) (?:\w+ ){0,3}?(?:urine|pee|wee|poo|stool)|"
            r"urinary retention|retention of urine|"
            rf"{_CANT}{_NEAR}(?:pee|wee|urinate|poo|poop|empty my bladder|"
            r"go to the (?:toilet|loo|bathroom)|"
            r"hold (?:it|my (?:pee|wee|urine|bladder|bowels?))|feel (?:when|if) i need)|"
            r"(?:pee|wee|urine|urinating) (?:wont|will not|doesnt|does not) "
            r"(?:come|start|flow)|"
            r"(?:peeing|weeing|urinating) feels? (?:weird|strange|different|odd|wrong))\b"
            rf"|\b(?:bladder|bowels?)\b.{{0,60}}?\b(?:control|leak\w*|accidents?|retention|"
            r"emptying|empty|incontinen\w*|problems?|issues?|trouble|weird|changed?|not working|"
            r"gone|lost|numb|stopped working)\b"
            rf"|\b(?:control|lost|losing|loss)\b.{{0,40}}?\b(?:bladder|bowels?)\b"
        ),
    ),
    (
        "saddle numbness",
        re.compile(
            r"\b(?:numb\w*|no feeling|cant feel|cannot feel|lost (?:all |the )*feeling|"
            r"loss of (?:feeling|sensation)|pins and needles|tingl\w*|dead)\b.{0,40}?"
            rf"\b{_SADDLE_AREA}\b"
            r"|\bsaddle (?:an(?:a)?esthesia|numbness|area)\b"
            r"|\b(?:groin|genitals?|down there|crotch|between my legs|undercarriage)\b.{0,30}?"
            r"\b(?:numb\w*|no feeling|tingl\w*|(?:has )?gone dead)\b"
            r"|\b(?:cant|cannot|couldnt|could not) (?:\w+ ){0,2}?feel (?:the |my )?(?:toilet )?"
            r"(?:seat|bum|bottom|buttocks|backside|cheeks|bum cheeks|butt cheeks)\b"
            r"|\b(?:wipe|wiped|wiping)\b.{0,40}?\b(?:cant|cannot|couldnt|could not) "
            r"(?:\w+ ){0,2}?feel\b"
        ),
    ),
    (
        "progressive or both-sided leg weakness",
        re.compile(
            rf"\b{_LEGS}\b.{{0,40}}?\b(?:weak\w*|giving (?:way|out)|give (?:way|out)|"
            r"gave (?:way|out)|buckl\w*|collaps\w*|numb\w*|paraly\w*)"
            r"|\b(?:legs?|knees?)\b.{0,20}?\b(?:giv(?:es|ing)|gave|give) (?:way|out)\b"
            r"|\b(?:legs?|knees?)\b.{0,20}?\b(?:buckl\w*|collaps\w*|paraly\w*)"
            rf"|\b(?:weak\w*|numb\w*)\b.{{0,25}}?\bin {_LEGS}\b"
            r"|\b(?:sciatica|numb\w*|tingl\w*|pins and needles)\b.{0,30}?\b(?:both legs|"
            r"both sides)\b"
            r"|\bnow (?:its|it is|in|down|going down) both\b|\bthe other leg\b.{0,30}?\b(?:too|"
            r"as well|now)\b"
            r"|\b(?:leg|foot|feet|legs)\b.{0,40}?\b(?:getting|growing|becoming|gets|got|"
            r"more and more|"
            r"keeps getting|is getting) (?:weaker|worse and weaker|more weak|numb(?:er)?|floppy)\b"
            r"|\bweaker (?:every|each|by the) (?:day|week)\b|\bweaker and weaker\b"
            r"|\b(?:weakness|numbness)\b.{0,40}?\b(?:spreading|getting worse|progress\w*|"
            r"worse every day|worse each day|worsening)\b"
            r"|\bfoot ?drop\b|\bdrop ?foot\b|\b(?:foot|toes) (?:is |are )?(?:slapping|dragging)\b"
            rf"|\b{_CANT}\b.{{0,20}}?\b(?:lift|raise|pick up) my (?:foot|feet|toes)\b"
            rf"|\b{_CANT}\b.{{0,10}}?\b(?:walk|stand(?: up)?)\b (?:at all|any ?more)"
            r"|\b(?:tripping|trip|tripped) over (?:things|stuff|nothing|my (?:own )?"
            r"(?:foot|feet|toes))\b"
        ),
    ),
    (
        "back pain with fever",
        re.compile(
            r"\b(?:fever\w*|high temperature|running a temperature|a temperature|temp of|"
            r"temperature is|chills|shiver\w*|hot and cold|rigou?rs|night sweats|sweats at night)\b"
        ),
    ),
    (
        "after major trauma",
        re.compile(
            r"\b(?:car (?:crash|accident|wreck)|road (?:traffic )?accident|motorbike accident|"
            r"rear[ -]?ended|t[ -]?boned|head[ -]on collision|"
            r"(?:crash|collision|accident|wreck)\b.{0,30}?\b(?:car|motorbike|bike|bicycle|"
            r"motorcycle|truck|bus|work|ski\w*)|"
            r"(?:fell|fall(?:en)?|falling|came|come|thrown|flew) (?:\w+ ){0,3}?(?:off|from|down) "
            r"(?:\w+ ){0,3}?(?:ladder|roof|height|horse|stairs|steps|bike|motorbike|scaffold\w*|"
            r"tree|wall|balcony)|"
            r"landed (?:\w+ ){0,2}?on my (?:back|spine|tailbone|coccyx|backside)|"
            r"(?:was |got )?hit by (?:a )?(?:car|bus|truck|van|bike)|"
            rf"broken? (?:my )?(?:back|spine|vertebra\w*)|{_SPINE_FRACTURE}|"
            r"major (?:fall|trauma|accident)|serious (?:fall|accident|injury)|trauma(?:tic)?)\b"
            # A fall that would be minor at 40 can break an older spine.
            r"|\b(?:im|i am|aged?|shes|hes|is) (?:[7-9]\d|1\d\d)\b.{0,60}?\b(?:fell|slipped|"
            r"tripped|had a fall|took a (?:fall|tumble))\b"
        ),
    ),
    (
        "history of cancer",
        re.compile(
            # "a cancer charity 10k" names an event, not an illness.
            r"\b(?:cancer\w*(?! (?:charity|research|awareness|fundraiser|society|trust|walk|run|"
            r"race|relay|ride|\d+k))|tumou?rs?|malignan\w*|chemo\w*|radiotherapy|radiation therapy|"
            r"oncolog\w*|metasta\w*|lymphoma|myeloma|leuk(?:a)?emia|carcinoma)\b"
        ),
    ),
    (
        "unexplained weight loss",
        re.compile(
            r"\b(?:los(?:t|ing|e)|dropp(?:ed|ing)|shed) (?:\w+ ){0,4}?\d*\s?"
            r"(?:weight|kilos?|kg|pounds|"
            r"lbs|stone)\b(?=.{0,60}?\b(?:without (?:trying|dieting|meaning to)|"
            r"for no (?:\w+ )?reason|not (?:been )?(?:trying|dieting)|no idea why|"
            r"dont know why|unexplain\w*|by accident|not on a diet|no reason|"
            r"eating (?:normally|the same|as usual|more|well|properly|loads))\b)"
            r"|\b(?:unexplain\w*|unintentional\w*|unintended|mysterious|sudden|rapid)\b.{0,15}?"
            r"\bweight ?loss\b"
            r"|\bweight (?:keeps )?(?:dropping|falling off)\b"
            r"|\b(?:without (?:trying|dieting)|for no reason)\b.{0,40}?\blos(?:t|ing|e) "
            r"(?:\w+ ){0,3}?weight\b"
        ),
    ),
    (
        "constant night pain",
        re.compile(
            rf"\b(?:{_UNRELENTING}|all night|every night)\b.{{0,60}}?\b{_NIGHT}\b"
            rf"|\b{_NIGHT}\b.{{0,60}}?\b{_UNRELENTING}\b"
            r"|\b(?:pain|ache|hurts?)\b.{0,20}?\b(?:worse|worst) at (?:night|nite)\b(?=.{0,40}?"
            r"\b(?:rest|lying|still|nothing helps|every night)\b)"
        ),
    ),
]

# Past mentions still count for these: a history of cancer is itself the red flag.
PAST_STILL_COUNTS = frozenset({"history of cancer"})
# These count only beside back pain: cancer with new back pain is the red flag, not the word.
NEEDS_PAIN = frozenset({"history of cancer"})
