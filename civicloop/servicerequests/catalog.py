"""Chicago's 311 catalogue: departments, topics and target times by service name; ten definitions.

The city's file lists only code, name and key; the department, topic, keywords and SLA of each
service come from these rules (first match wins), written from the City's department names.
"""

import re

# (name pattern, department, topic slug, target days)
DEPARTMENT_RULES: list[tuple[str, str, str, int]] = [
    (r"o'hare|midway", "Aviation", "streets-transportation", 14),
    (r"\btree|\bweed|landscape|\bpark\b", "Streets and Sanitation - Forestry", "parks-culture", 30),
    (
        r"garbage|recycl|bulk|yard waste|dump|sanitation|street cleaning|tire|clean vacant|trap pick",
        "Streets and Sanitation",
        "environment",
        7,
    ),
    (r"rodent|\brat\b|graffiti|\bsnow|\bice\b", "Streets and Sanitation", "environment", 7),
    (r"animal|coyote|\bdog|\bpet\b|\bbird|bee/wasp|wildlife", "Animal Care and Control", "public-safety", 5),
    (r"water|hydrant|sewer|leak|flooded|lid/grate|basement", "Water Management", "water-sanitation", 7),
    (
        r"light|signal|electrical|wire|cable",
        "Transportation - Electrical Operations",
        "streets-transportation",
        5,
    ),
    (
        r"pothole|pavement|sidewalk|alley|bridge|viaduct|sign|speed hump|bike|divvy|scooter|traffic|guardrail|paint|public way|cdot|median|crossing",
        "Transportation",
        "streets-transportation",
        14,
    ),
    (
        r"vehicle|cab|ridesharing|valet|driving|parking|camera|idling",
        "Streets and Sanitation - Vehicles",
        "streets-transportation",
        10,
    ),
    (
        r"building|porch|boiler|furnace|elevator|plumbing|ventilation|air cond|no building permit|construction|demolition|vacant",
        "Buildings",
        "housing",
        21,
    ),
    (
        r"noise|restaurant|health|smok|tobacco|tanning|pool|hotel|daycare|mosquito|\blead\b|asbestos|toxic|air pollution|groceries|food|pharmaceutical",
        "Public Health",
        "health",
        14,
    ),
    (
        r"housing|rental|renters|home buyer|bungalow|cha\b|shared housing|relocation|shelter|homeless",
        "Housing",
        "housing",
        14,
    ),
    (
        r"business|consumer|retail|scales|fuel pump|merchandise|liquor|solicitation|wage|sick leave|sidewalk cafe",
        "Business Affairs and Consumer Protection",
        "business",
        21,
    ),
    (r"fire", "Fire", "public-safety", 3),
    (r"police|crisis", "Police", "public-safety", 3),
    (r"seniors|volunteer|education|clerk", "Family and Support Services", "seniors-families", 14),
]
DEFAULT_DEPARTMENT = ("City Services", "", 14)

# Spanish names for the most requested services (the rest show in English with a notice).
NAMES_ES: dict[str, str] = {
    "Pothole in Street Complaint": "Bache en la calle",
    "Graffiti Removal Request": "Quitar grafiti",
    "Rodent Baiting/Rat Complaint": "Ratas o roedores",
    "Street Light Out Complaint": "Luz de la calle apagada",
    "Abandoned Vehicle Complaint": "Vehículo abandonado",
    "Tree Trim Request": "Podar un árbol",
    "Garbage Cart Maintenance": "Bote de basura dañado",
    "Water On Street Complaint": "Agua en la calle",
    "Sidewalk Inspection Request": "Banqueta dañada",
    "Equipment Noise Complaint": "Ruido de equipos",
    "Missed Garbage Pick-Up Complaint": "No recogieron la basura",
    "Bulk Pickup": "Recolección de objetos grandes",
    "Traffic Signal Out Complaint": "Semáforo apagado",
    "Alley Light Out Complaint": "Luz del callejón apagada",
}
# Extra plain words residents use, in English and Spanish.
KEYWORDS: dict[str, str] = {
    "Pothole in Street Complaint": "hole road street crack bache hoyo calle",
    "Graffiti Removal Request": "paint tag wall spray grafiti pintura pared",
    "Rodent Baiting/Rat Complaint": "rats mice mouse rata ratón ratones roedor",
    "Street Light Out Complaint": "lamp dark streetlight farol luz oscuro",
    "Abandoned Vehicle Complaint": "car truck parked auto carro coche abandonado",
    "Tree Trim Request": "branch limb árbol rama podar",
    "Garbage Cart Maintenance": "trash bin broken cart basura bote roto",
    "Water On Street Complaint": "flood leak puddle agua inundación fuga",
    "Sidewalk Inspection Request": "walk pavement trip banqueta acera",
    "Equipment Noise Complaint": "loud noise sound ruido ruidoso",
    "Missed Garbage Pick-Up Complaint": "trash garbage basura recolección",
}

_YES_NO = [{"key": "yes", "name": "Yes", "name_es": "Sí"}, {"key": "no", "name": "No", "name_es": "No"}]


def _attr(code: str, datatype: str, description: str, description_es: str, *, required: bool = False,
          values: list[dict[str, str]] | None = None) -> dict[str, object]:  # fmt: skip
    return {"code": code, "datatype": datatype, "description": description, "description_es": description_es,
            "required": required, "values": values or []}  # fmt: skip


def _values(*pairs: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"key": key, "name": name, "name_es": name_es} for key, name, name_es in pairs]


# Ten service definitions; together they use every Open311 datatype, required and optional.
DEFINITIONS: dict[str, list[dict[str, object]]] = {
    "Pothole in Street Complaint": [
        _attr("WHEREIST", "singlevaluelist", "Where is the pothole?", "¿Dónde está el bache?", required=True,
              values=_values(("TRAFFIC", "In a traffic lane", "En un carril"), ("BIKE", "In a bike lane", "En un carril de bicicletas"),
                             ("CROSSWALK", "In a crosswalk", "En un cruce peatonal"), ("CURB", "By the curb", "Junto a la banqueta"))),
        _attr("SIZE", "number", "About how wide is it, in inches?", "¿Qué ancho tiene, en pulgadas?"),
        _attr("NOTICED", "datetime", "When did you first notice it?", "¿Cuándo lo notó?"),
    ],
    "Graffiti Removal Request": [
        _attr("SURFACE", "singlevaluelist", "What is it painted on?", "¿Sobre qué está pintado?", required=True,
              values=_values(("BRICK", "Brick", "Ladrillo"), ("METAL", "Metal", "Metal"), ("WOOD", "Wood", "Madera"), ("GLASS", "Glass", "Vidrio"))),
        _attr("OFFENSIVE", "singlevaluelist", "Is it offensive or gang-related?", "¿Es ofensivo o de pandillas?", values=_YES_NO),
        _attr("LOCATION", "string", "Where on the building?", "¿En qué parte del edificio?"),
    ],
    "Rodent Baiting/Rat Complaint": [
        _attr("SEEN", "multivaluelist", "Where have you seen them?", "¿Dónde los ha visto?", required=True,
              values=_values(("ALLEY", "Alley", "Callejón"), ("YARD", "Yard", "Patio"), ("GARBAGE", "Garbage carts", "Botes de basura"), ("BUILDING", "Inside a building", "Dentro de un edificio"))),
        _attr("DOG", "singlevaluelist", "Is there a dog in the yard?", "¿Hay un perro en el patio?", values=_YES_NO),
    ],
    "Street Light Out Complaint": [
        _attr("POLE", "string", "Pole number, if you can see it", "Número del poste, si lo ve"),
        _attr("HOWMANY", "number", "How many lights are out?", "¿Cuántas luces están apagadas?", required=True),
    ],
    "Abandoned Vehicle Complaint": [
        _attr("MAKE", "string", "Make of the vehicle", "Marca del vehículo", required=True),
        _attr("COLOR", "string", "Color", "Color"),
        _attr("PLATE", "string", "License plate", "Placa"),
        _attr("DAYS", "number", "How many days has it been parked?", "¿Cuántos días lleva estacionado?", required=True),
    ],
    "Tree Trim Request": [
        _attr("LOCATION", "singlevaluelist", "Where is the tree?", "¿Dónde está el árbol?", required=True,
              values=_values(("PARKWAY", "Parkway", "Área verde junto a la calle"), ("ALLEY", "Alley", "Callejón"), ("PARK", "Park", "Parque"))),
        _attr("WIRES", "singlevaluelist", "Are branches touching wires?", "¿Tocan las ramas los cables?", values=_YES_NO),
    ],
    "Garbage Cart Maintenance": [
        _attr("PROBLEM", "multivaluelist", "What is wrong with the cart?", "¿Qué tiene el bote?", required=True,
              values=_values(("LID", "Broken lid", "Tapa rota"), ("WHEEL", "Broken wheel", "Rueda rota"), ("CRACK", "Cracked body", "Cuerpo agrietado"))),
        _attr("CART", "string", "Cart serial number", "Número de serie del bote"),
    ],
    "Water On Street Complaint": [
        _attr("SOURCE", "singlevaluelist", "Where is the water coming from?", "¿De dónde sale el agua?", required=True,
              values=_values(("HYDRANT", "A hydrant", "Un hidrante"), ("PAVEMENT", "The pavement", "El pavimento"), ("UNKNOWN", "Not sure", "No sé"))),
        _attr("DETAILS", "text", "Anything else we should know", "Algo más que debamos saber"),
    ],
    "Sidewalk Inspection Request": [
        _attr("DAMAGE", "singlevaluelist", "What kind of damage?", "¿Qué tipo de daño?", required=True,
              values=_values(("RAISED", "Raised slab", "Losa levantada"), ("CRACKED", "Cracked", "Agrietada"), ("MISSING", "Missing section", "Falta un tramo"))),
        _attr("FALL", "singlevaluelist", "Did someone fall?", "¿Se cayó alguien?", values=_YES_NO),
    ],
    "Equipment Noise Complaint": [
        _attr("WHEN", "datetime", "When does the noise happen?", "¿Cuándo ocurre el ruido?", required=True),
        _attr("KIND", "singlevaluelist", "What kind of equipment?", "¿Qué tipo de equipo?",
              values=_values(("CONSTRUCTION", "Construction", "Construcción"), ("AC", "Air conditioner", "Aire acondicionado"), ("GENERATOR", "Generator", "Generador"))),
        _attr("DESCRIBE", "text", "Describe the noise", "Describa el ruido"),
    ],
}  # fmt: skip


def department_for(name: str) -> tuple[str, str, int]:
    """(department, topic slug, target days) for a service name."""
    lowered = name.lower()
    for pattern, department, topic, days in DEPARTMENT_RULES:
        if re.search(pattern, lowered):
            return department, topic, days
    return DEFAULT_DEPARTMENT
