"""Residents' texts for `civicloop bench sms`: the mix of kinds, and each kind's wording (FAQ questions in
residents' own words, keywords, 311 reports by text and their answers)."""

import random
from collections.abc import Sequence

MIX = {"faq": 0.4, "keyword": 0.2, "stop_start": 0.1, "intake": 0.3}

# Residents' wording of questions the demo FAQ answers (and a few it does not): short, informal, misspelt.
FAQ_QUESTIONS = {
    "en": [
        "what day do they pick up garbage on my block",
        "garbage truck never came today",
        "is recycling every week or every other week",
        "can glass bottles go in the blue cart",
        "my garbage cart got stolen how do i get another",
        "how do i get rid of an old couch",
        "where can i drop off old paint and batteries",
        "when do they sweep my street",
        "my car got towed where is it",
        "where is the snow parking ban",
        "do i have to shovel the sidewalk in front of my building",
        "where can i go to warm up tonight",
        "is there a cooling center near me",
        "rats everywhere in the alley what can the city do",
        "how do i report a pothole",
        "the street light in front of my house is out",
        "sidewalk is cracked who fixes it",
        "can the city trim the tree in front of my house",
        "how do i pay the water bill online",
        "no water in my building since this morning",
        "how do i know if i have lead pipes",
        "do i need a city sticker if i just moved here",
        "how to contest a parking ticket",
        "how do i get a zone parking permit",
        "car has been parked on my street for weeks",
        "do i need a permit to redo my porch",
        "landlord wont turn the heat on",
        "cant pay rent this month is there help",
        "help with property tax bill",
        "how to get a business license for a food truck",
        "does my dog need a license",
        "theres a dead animal in the street",
        "neighbors party is too loud every night",
        "who removes graffiti",
        "how do i get a library card",
        "where is free wifi",
        "summer camp signups at the park district",
        "when do the pools open",
        "reduced fare cta card for my mom",
        "where to get a flu shot for free",
        "who is my alderman",
        "how do i register to vote",
        "what is the best pizza in chicago",  # nothing in the FAQ: a menu or the hand-over to 311
    ],
    "es": [
        "que dia pasa el camion de la basura",
        "no recogieron la basura hoy",
        "cada cuanto recogen el reciclaje",
        "puedo poner botellas de vidrio en el bote azul",
        "se robaron mi bote de basura",
        "como tiro un colchon viejo",
        "donde llevo pintura vieja y pilas",
        "cuando pasa la barredora en mi calle",
        "la grua se llevo mi carro",
        "donde no me puedo estacionar cuando nieva",
        "tengo que quitar la nieve de la banqueta",
        "donde hay un lugar para calentarse",
        "hace mucho calor donde me puedo refrescar",
        "hay muchas ratas en el callejon",
        "como reporto un bache",
        "el poste de luz esta apagado",
        "la banqueta esta rota quien la arregla",
        "como pago el recibo del agua",
        "no tengo agua en mi casa",
        "mis tuberias tienen plomo?",
        "necesito la calcomania para mi carro",
        "como pago una multa de estacionamiento",
        "el dueño no prende la calefaccion",
        "no me alcanza para la renta hay ayuda",
        "mi perro necesita licencia",
        "los vecinos hacen mucho ruido",
        "como saco la tarjeta de la biblioteca",
        "cuando abren las albercas",
        "vacunas gratis para mis hijos para la escuela",
        "puedo usar los servicios si no tengo papeles",
        "como me registro para votar",
        "quien es mi concejal",
    ],
}
OPENERS = {"en": ["", "", "hi ", "hello, ", "quick question: ", "pls "], "es": ["", "", "hola ", "buenas, "]}
ENDINGS = {"en": ["", "", "?", " thanks", " thx", "??"], "es": ["", "", "?", " gracias", " por favor"]}
# One keyword per text; {id} is a loaded request's number, {unknown} one that does not exist.
KEYWORDS = [
    "HELP",
    "ALERTS",
    "LANG ES",
    "LANG EN",
    "MENU",
    "STATUS {id}",
    "status {id}",
    "STATUS {unknown}",
    "AYUDA",
    "ALERTAS",
    "ESTADO {id}",
    "Info",
]
# 311 by text: the report, then answers to what the assistant asks (whatever it asks), then no photo.
INTAKE_SCRIPTS = [
    ["pothole on 35th and Halsted", "1", "about 12 inches", "last week", "no"],
    ["street light out at 18th and Blue Island", "skip", "3", "no photo"],
    ["rats in the alley behind my house", "alley, garbage carts", "no", "2100 W Cermak Rd", "no"],
    ["graffiti on my garage", "wood", "no", "on the alley side", "4500 N Kedzie Ave", "no"],
    ["abandoned car on my block", "honda", "red", "skip", "14", "Madison and Pulaski", "no"],
    ["hay un bache enorme en la 26 y Pulaski", "1", "20", "ayer", "no"],
    ["hay ratas en mi callejón", "callejón", "no", "47th y Ashland", "sin foto"],
    ["la tapa de mi bote de basura esta rota", "1", "omitir", "3300 S Morgan St", "no"],
    ["tree branches touching wires at Lawrence and Western", "parkway", "yes", "no"],
    ["REPORT", "1", "by the curb", "8", "today", "Cermak and Halsted", "no"],
]


def _faq_text(rng: random.Random) -> str:
    language = "en" if rng.random() < 0.6 else "es"
    question = rng.choice(FAQ_QUESTIONS[language])
    return f"{rng.choice(OPENERS[language])}{question}{rng.choice(ENDINGS[language])}".strip()


def _keyword_text(rng: random.Random, status_ids: Sequence[str]) -> str:
    keyword = rng.choice(KEYWORDS)
    return keyword.format(id=rng.choice(status_ids) if status_ids else "26-00000001", unknown="19-99999999")
