"""Word lists of claim extraction: predicates, certainty cues and known sources.

Fuse layer; pure data and regular expressions; imports only ``_model``. Patterns are
matched case-insensitively on one sentence. Every list is written for this project from
how German and English news and government statements phrase such claims; docs/reports.md
lists them with examples.
"""

from __future__ import annotations

import re
from typing import Final

from darkfleet.fuse.claims._model import Certainty

__all__ = ["CERTAINTY_CUES", "PREDICATES", "SOURCES", "SPEECH_VERBS"]


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


#: Normalised predicate -> pattern for its English and German forms. German separable
#: verbs ("lief ... ein") match when the particle closes the clause. Listed in order of
#: precedence for one position: "unloaded" before "loaded", "visited" before "shipped".
PREDICATES: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    (
        "unloaded",
        _compile(
            r"\b(?:unload\w*|offload\w*|discharg\w*|entl[au]d\w*|ausgeladen|abgeladen|"
            r"gelöscht|löschte[n]?)\b"
        ),
    ),
    (
        "loaded",
        _compile(
            r"\b(?:loaded|loading|loads?|took on|taken on|beladen|belud\w*|verladen|verlud\w*|"
            r"geladen|lud(?:en)?)\b"
        ),
    ),
    (
        "transferred",
        _compile(r"\b(?:transferr?\w*|ship-to-ship|umgeladen|umgeschlagen|umschlag\w*)\b"),
    ),
    (
        "went_dark",
        _compile(
            r"\b(?:went dark|switched off|turned off|disabled)\b(?:[^.;]|(?<=\d)\.)*\b(?:transponders?|AIS)\b|"
            r"\b(?:transponders?|AIS)\b(?:[^.;]|(?<=\d)\.)*\b(?:ab|aus)(?:geschaltet|schalteten|schaltete)\b|"
            r"\bschaltete[n]?\b(?:[^.;]|(?<=\d)\.)*\b(?:transponders?|AIS)\b(?:[^.;]|(?<=\d)\.)*\b(?:ab|aus)\b"
        ),
    ),
    (
        "visited",
        _compile(
            r"\b(?:visit(?:ed|s|ing)?|called at|port calls?|dock(?:ed|s|ing)|berth(?:ed|ing)|"
            r"moored|anchored|arriv(?:e|ed|es|ing)|angelaufen|lief(?:en)? \w+ an\b|"
            r"eingelaufen|anlegte[n]?|angelegt|festgemacht|ankerte[n]?|"
            r"lag(?:en)? (?:(?:[^,.;]|(?<=\d)\.)* )?(?:im Hafen|vor Anker|am Pier|an der Pier)|"
            r"(?:lief|liefen|legte|legten|machte|machten) (?:[^,.;]|(?<=\d)\.)*? (?:ein|an|fest)(?=\s*(?:[,.;]|$)))"
        ),
    ),
    (
        "departed",
        _compile(
            r"\b(?:depart(?:ed|s|ing)|left|sailed from|verließ(?:en)?|ausgelaufen|ablegte[n]?|"
            r"(?:lief|liefen|legte|legten) (?:[^,.;]|(?<=\d)\.)*? (?:aus|ab)(?=\s*(?:[,.;]|$)))"
        ),
    ),
    (
        "shuttled",
        _compile(r"\b(?:shuttl(?:ed|es|ing)|pendel(?:te|ten|n|t)|gependelt)\b"),
    ),
    (
        "received",
        _compile(
            r"\b(?:receiv(?:ed|es|ing)|erhalten|erhielte?n?|empf(?:angen|ing|ingen)|bekommen)\b"
        ),
    ),
    (
        "met",
        _compile(r"\b(?:met|meet(?:s|ing)?|rendezvous\w*|traf(?:en)?|getroffen|Treffen)\b"),
    ),
    (
        "shipped",
        _compile(
            r"\b(?:shipped|sent|send(?:s|ing)?|export(?:ed|ing)|"
            r"verschiff\w*|schickte[n]?|geschickt|schicken|exportiert\w*|gesandt|sandte[n]?)\b"
        ),
    ),
    (
        "delivered",
        _compile(r"\b(?:deliver\w*|suppl(?:y|ied|ies|ying)|provid(?:ed|es|ing)|\w*liefer\w*)\b"),
    ),
    (
        "transported",
        _compile(
            r"\b(?:transport(?:ed|ing)|carr(?:y|ied|ies|ying)|ferr(?:y|ied|ies|ying)|"
            r"moved|transportiert\w*|beförder\w*|brachte[n]?|gebracht)\b"
        ),
    ),
)

#: Predicate of a claim whose only verb is a denial ("Moskau bestritt das.").
DENIED_PREDICATE: Final[str] = "denied"

#: Certainty cues, strongest first: the first level with a match wins.
CERTAINTY_CUES: Final[tuple[tuple[Certainty, re.Pattern[str]], ...]] = (
    (
        "denied",
        _compile(
            r"\b(?:den(?:y|ied|ies|ying)|reject(?:s|ed)|dismiss(?:es|ed)|refuted|"
            r"bestr(?:itt|itten|eitet|eiten|itten)|dementi\w*|zurückgewiesen|"
            r"wies(?:en)? [^.]*zurück|never|nie|niemals|"
            r"no (?:containers|weapons|arms|munitions|ammunition|shells|ships)|"
            r"keine(?:rlei)? (?:Container|Waffen|Munition|Granaten|Schiffe|Rüstungsgüter))\b"
        ),
    ),
    (
        "unverified",
        _compile(
            r"(?:\bnot (?:been |be )?(?:independently )?(?:verified|confirmed)|"
            r"\bcould not (?:independently )?(?:verify|confirm)|\bunverified|\bunconfirmed|"
            r"\breportedly|\ballegedly|\bbestätigt (?:ist|wurde|sind) (?:das|dies|diese\w*) nicht|"
            r"\bnicht (?:unabhängig )?(?:bestätigt|überprüf\w*|verifiziert|verifizier\w*)|"
            r"\bunbestätigt\w*|\bangeblich\w*|"
            r"\bl(?:ie|ä)ß(?:t|en)? sich (?:[^.]* )?nicht (?:unabhängig )?"
            r"(?:überprüfen|bestätigen|verifizieren)|"
            r"\b(?:überprüfen|bestätigen|verifizieren) l(?:ie|ä)ß(?:t|en)? sich "
            r"(?:das|dies|diese Angaben) nicht|"
            r"\bsoll(?:en|te|ten)? [^.]*\b(?:haben|sein)\b)"
        ),
    ),
    (
        "assessed",
        _compile(
            r"(?:\bbeliev\w*|\blikely\b|\bprobabl[ey]\b|\b(?:is|are|was|were) expected to\b|"
            r"\bestimat\w*|\bassess\w*|\bsuspect\w*|\bpresumabl\w*|\bapparently\b|"
            r"\bmay have\b|\bmight have\b|\bes wird vermutet\b|\bvermut\w*|\bmutmaßlich\w*|"
            r"\bwahrscheinlich\w*|\b(?:ein)?schätz\w*|\bgeschätzt\w*|\bdürfte[n]?\b|"
            r"\bgehen? davon aus\b|\bwird erwartet\b|\bwerden erwartet\b|\berwartet\b)"
        ),
    ),
)

#: Verbs that introduce an attribution (said, sagte, erklärte...), as alternation text.
SPEECH_VERBS_EN: Final[str] = (
    r"(?:said|says|told|stated|announced|added|claimed|confirmed|reported|wrote|noted|"
    r"warned|estimated|assessed|believes?|denied|denies|rejects|rejected|dismisses|dismissed|"
    r"insisted)"
)
SPEECH_VERBS_DE: Final[str] = (
    r"(?:sagte|sagten|sagt|erklärte|erklärten|erklärt|betonte|betonten|berichtete|"
    r"berichteten|berichtet|schrieb|schrieben|meldete|meldeten|bestätigte|bestätigten|"
    r"schätzt|schätzte|schätzen|warnte|warnten|hieß es|bestritt|bestritten|bestreitet|"
    r"dementierte|dementierten|dementiert|wies|wiesen|teilte|teilten|gab|gaben)"
)
SPEECH_VERBS: Final[dict[str, str]] = {"en": SPEECH_VERBS_EN, "de": SPEECH_VERBS_DE}

#: Known asserting bodies: canonical name -> pattern of their English and German names.
#: Countries and capitals as the subject of a speech verb stand for their governments.
SOURCES: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    (
        "US National Security Council",
        _compile(r"\bNational Security Council\b|\bNationale[nr]? Sicherheitsrat\w*|\bNSC\b"),
    ),
    (
        "US Department of Defense",
        _compile(
            r"\bPentagon\w*|\b(?:Department of Defense|Defense Department|DoD)\b|"
            r"\bUS-Verteidigungsministerium\w*|\bVerteidigungsministerium\w* der USA\b"
        ),
    ),
    (
        "US Department of State",
        _compile(
            r"\b(?:State Department|Department of State)\b|\bUS-Außenministerium\w*|"
            r"\bAußenministerium\w* (?:der USA|in Washington)\b|\bUS-Außenamt\w*"
        ),
    ),
    ("White House", _compile(r"\bWhite House\b|\bWeiße[n]? Haus(?:es)?\b")),
    (
        "South Korean National Intelligence Service",
        _compile(
            r"\bNational Intelligence Service\b|\bNIS\b|"
            r"\b(?:South Korea's|South Korean|Seoul's) (?:spy agency|intelligence(?: service| agency)?)|"
            r"\bsüdkoreanische\w* (?:Geheimdienst\w*|Nachrichtendienst\w*)|"
            r"\bGeheimdienst\w* (?:Südkoreas|in Seoul)\b"
        ),
    ),
    (
        "Russian Ministry of Foreign Affairs",
        _compile(
            r"\b(?:Russian|Russia's) (?:Foreign Ministry|Ministry of Foreign Affairs)\b|"
            r"\brussische\w* Außenministerium\w*|\bRusslands Außenministerium\b|\bAußenministerium\w* (?:in )?(?:Moskau|Russlands)\b"
        ),
    ),
    ("Kremlin", _compile(r"\bKreml\w*|\bKremlin\b")),
    (
        "KCNA (North Korean state media)",
        _compile(
            r"\bKCNA\b|\bKorean Central News Agency\b|\bstaatliche\w* nordkoreanische\w* Nachrichtenagentur\b"
        ),
    ),
    (
        "Government of the United States",
        _compile(
            r"\bUS-Regierung\w*|\bamerikanische\w* Regierung\w*|\bRegierung\w* in Washington\b|"
            r"\b(?:US|U\.S\.|American) (?:government|administration|officials?)\b|"
            r"\bBiden administration\b|\bWashingtons?\b|\bUnited States\b|\bUSA\b|\bUS-Beamte\w*"
        ),
    ),
    (
        "Government of South Korea",
        _compile(
            r"\bsüdkoreanische\w* Regierung\w*|\bSouth Korean government\b|\bSeouls?\b|"
            r"\bSouth Korea\b|\bSüdkorea\w*"
        ),
    ),
    (
        "Government of Russia",
        _compile(
            r"\brussische\w* Regierung\w*|\bRussian government\b|\bMoskaus?\b|\bMoscow\b|"
            r"\bRussland\w*|\bRussia\b"
        ),
    ),
    (
        "Government of North Korea",
        _compile(
            r"\bnordkoreanische\w* Regierung\w*|\bNorth Korean government\b|\bPjöngjangs?\b|"
            r"\bPyongyang\b|\bNordkorea\w*|\bNorth Korea\b"
        ),
    ),
    ("analysts", _compile(r"\banalysts?\b|\bAnalyst(?:en|in|innen)?\b|\bexperts?\b|\bExperten\b")),
)
