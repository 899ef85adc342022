"""What the loaded forums say: the questions, idea titles and bodies, comments and names, some in Spanish."""

BIG_QUESTION = "How should your ward spend its participatory budget next year?"
OTHER_QUESTIONS = [
    "What would make your walk to school safer?",
    "How can the city keep parks clean in summer?",
    "Where should the next protected bike lanes go?",
    "What should libraries offer in the evenings?",
    "How can bus stops be more comfortable in winter?",
    "What would bring more people to local business corridors?",
    "How should vacant lots in your area be used?",
    "What would help you recycle more?",
    "How can city services reach people who do not speak English?",
    "Where do you need more street lights?",
    "What should summer programs for teenagers include?",
    "How can we reduce flooding in basements?",
    "What would make public meetings easier to attend?",
    "Which intersections need a crossing guard?",
    "How should the city plant more trees?",
    "What would make 311 easier to use?",
    "How can the lakefront be more accessible?",
    "What should a neighborhood resilience hub offer?",
    "How can we make alleys safer at night?",
]
IDEA_TITLES = [
    "Benches and shade along the main street",
    "A protected crossing by the elementary school",
    "Free Wi-Fi in every park fieldhouse",
    "More trash cans on the commercial strip",
    "Community garden on the empty lot",
    "Longer library hours on weekdays",
    "Más luces en el callejón detrás de la escuela",
    "Repave the sidewalks on the side streets",
    "Water fountains that work all summer",
    "Bike parking at every train station",
    "Clases de inglés gratis para adultos",
    "Murals by local artists on viaduct walls",
]
IDEA_BODIES = [
    "People wait here every day with nowhere to sit. A few benches and a tree or two would make a "
    "real difference, especially for older neighbors.",
    "Cars go too fast and kids cross here twice a day. A raised crosswalk and a sign would help.",
    "Many families rely on the library for internet. It closes too early for people who work.",
    "El lote está vacío desde hace años. Podríamos sembrar verduras y hacer talleres para niños.\n\n"
    "Varias familias ya se ofrecieron para cuidarlo.",
    "This would cost little and help a lot. I would be glad to volunteer to help maintain it.",
    "Every summer the same problem. Please fix it before June this time.",
]
COMMENT_BODIES = [
    "Great idea, I support this.",
    "Agreed. The corner by the bus stop needs it most.",
    "Has anyone asked the alderman's office about this? They fixed something similar on our block.",
    "I am not sure this is the best use of the money, but the problem is real.",
    "Estoy de acuerdo, mis hijos pasan por ahí todos los días.",
    "We tried this two years ago and it worked until the funding ran out. It needs a maintenance plan.",
    "Yes! And please add lighting too, it is very dark in the evening.",
    "Could this be done together with the repaving planned for next spring?",
    "Buena idea. ¿Se podría hacer también en el parque de al lado?",
    "Thanks for posting this. I walk there every morning and see the same thing.",
]
INITIALS = [
    "A.",
    "B.",
    "C.",
    "D.",
    "G.",
    "H.",
    "K.",
    "L.",
    "M.",
    "N.",
    "O.",
    "P.",
    "R.",
    "S.",
    "T.",
    "V.",
    "W.",
]
FIRST_NAMES = ["Maria", "James", "Guadalupe", "Aisha", "Wei", "Tomasz", "Keisha", "Luis", "Fatima", "Kevin"]
STATUS_REASON = "The ward's budget for this year is already committed; we will look at it again next year."
DEPARTMENT = "Office of Budget and Management"
