"""What the demo city says and who works there: its bilingual announcements and its staff logins.

Kept as one module: data only (no logic, no database), one list of announcements and the staff.

Each entry: kind, topic slugs, community-area numbers ([] = all of Chicago), days since publishing
(for events: days until the event), English (title, summary, body), Spanish (title, summary, body) or None.
"""

from typing import NamedTuple


class DemoAnnouncement(NamedTuple):
    kind: str
    topics: list[str]
    areas: list[int]
    days: int
    en: tuple[str, str, str]
    es: tuple[str, str, str] | None
    location: str = ""


HOW_TO_EN = "\n\nQuestions? Call **311** or text HELP to the city's number."
HOW_TO_ES = "\n\n¿Preguntas? Llame al **311** o envíe AYUDA por mensaje de texto al número de la ciudad."

DEMO_ANNOUNCEMENTS: list[DemoAnnouncement] = [
    DemoAnnouncement(
        "alert",
        ["public-safety", "environment"],
        [],
        0,
        (
            "Extreme cold warning: warming centers open",
            "Wind chills may reach -25°F tonight. Six warming centers are open around the clock.",
            "The National Weather Service expects dangerous wind chills tonight and tomorrow.\n\n"
            "- Six community service centers are open **24 hours** as warming centers.\n"
            "- Check on older neighbors and people who live alone.\n"
            "- Bring pets inside.\n\nFor a ride to a warming center, call 311.",
        ),
        (
            "Aviso de frío extremo: centros de calefacción abiertos",
            "La sensación térmica puede llegar a -25°F esta noche. Seis centros de calefacción están abiertos todo el día.",
            "El Servicio Meteorológico Nacional prevé una sensación térmica peligrosa esta noche y mañana.\n\n"
            "- Seis centros de servicios comunitarios están abiertos **las 24 horas**.\n"
            "- Visite a sus vecinos mayores y a quienes viven solos.\n"
            "- Mantenga a sus mascotas adentro.\n\nPara que lo lleven a un centro, llame al 311.",
        ),
    ),
    DemoAnnouncement(
        "policy",
        ["housing"],
        [],
        2,
        (
            "New rules protect renters from surprise fees",
            "Landlords must list every fee in the lease. Hidden move-in fees are no longer allowed.",
            "City Council passed an ordinance that requires landlords to list all fees in the lease.\n\n"
            "**What changes:** move-in fees above the real cost of processing are not allowed, and late "
            "fees are capped at $10 for the first $1,000 of rent.",
        ),
        (
            "Nuevas reglas protegen a los inquilinos de cargos sorpresa",
            "Los propietarios deben incluir cada cargo en el contrato. Ya no se permiten cargos ocultos.",
            "El Concejo Municipal aprobó una ordenanza que obliga a los propietarios a incluir todos los cargos en el contrato.\n\n"
            "**Qué cambia:** no se permiten cargos de mudanza mayores al costo real, y los cargos por "
            "atraso tienen un límite de $10 por los primeros $1,000 de renta.",
        ),
    ),
    DemoAnnouncement(
        "program",
        ["housing", "seniors-families"],
        [],
        3,
        (
            "Emergency rental assistance opens for applications",
            "Households behind on rent can apply for up to three months of help.",
            "The Department of Housing is accepting applications for emergency rental assistance.\n\n"
            "1. Check that your household income is at or below 60% of the area median.\n"
            "2. Gather your lease and proof of income.\n"
            "3. Apply online or at a community partner.\n\nApplications close when funds run out.",
        ),
        (
            "Se abren las solicitudes de ayuda de emergencia para el alquiler",
            "Los hogares atrasados con la renta pueden pedir hasta tres meses de ayuda.",
            "El Departamento de Vivienda recibe solicitudes de ayuda de emergencia para el alquiler.\n\n"
            "1. Verifique que los ingresos de su hogar sean iguales o menores al 60% de la mediana del área.\n"
            "2. Reúna su contrato y comprobantes de ingresos.\n"
            "3. Presente la solicitud en línea o con una organización aliada.\n\n"
            "Las solicitudes cierran cuando se acaben los fondos.",
        ),
    ),
    DemoAnnouncement(
        "event",
        ["budget"],
        [],
        6,
        (
            "Budget town hall: tell us your priorities",
            "Share what matters to you for next year's city budget.",
            "The Office of Budget and Management invites every resident to a budget town hall. "
            "Spanish and ASL interpretation will be available.",
        ),
        (
            "Foro comunitario del presupuesto: díganos sus prioridades",
            "Comparta lo que le importa para el presupuesto de la ciudad del próximo año.",
            "La Oficina de Presupuesto invita a todos los residentes a un foro sobre el presupuesto. "
            "Habrá interpretación en español y en lenguaje de señas (ASL).",
        ),
        "Malcolm X College, 1900 W Jackson Blvd",
    ),
    DemoAnnouncement(
        "event",
        ["parks-culture", "seniors-families"],
        [31, 30],
        9,
        (
            "Día de los Muertos community altar at the National Museum of Mexican Art",
            "Families are invited to help build a community altar in Pilsen.",
            "Bring a photo or a memory to add to the community altar. Free for all ages.",
        ),
        (
            "Altar comunitario del Día de los Muertos en el Museo Nacional de Arte Mexicano",
            "Invitamos a las familias a construir un altar comunitario en Pilsen.",
            "Traiga una foto o un recuerdo para el altar comunitario. Gratis para todas las edades.",
        ),
        "National Museum of Mexican Art, 1852 W 19th St",
    ),
    DemoAnnouncement(
        "program",
        ["digital-equity", "jobs-education"],
        [],
        5,
        (
            "Free home internet for students' families",
            "Chicago Public Schools families can sign up for free high-speed internet.",
            "Families with a student in Chicago Public Schools can get free high-speed internet at home. "
            "Sign-up help is available at every Chicago Public Library branch.",
        ),
        (
            "Internet gratis en casa para las familias de estudiantes",
            "Las familias de las Escuelas Públicas de Chicago pueden inscribirse para recibir internet gratis.",
            "Las familias con un estudiante en las Escuelas Públicas de Chicago pueden recibir internet de alta "
            "velocidad gratis en casa. Hay ayuda para inscribirse en todas las bibliotecas públicas.",
        ),
    ),
    DemoAnnouncement(
        "policy",
        ["streets-transportation"],
        [],
        7,
        (
            "Winter overnight parking ban begins December 1",
            "No parking from 3 a.m. to 7 a.m. on 107 miles of main streets until April 1.",
            "Cars parked on signed routes between 3 a.m. and 7 a.m. will be towed. "
            "Look for the red and white signs.",
        ),
        (
            "Comienza la prohibición de estacionarse de noche en invierno el 1 de diciembre",
            "No se puede estacionar de 3 a 7 de la mañana en 107 millas de calles principales hasta el 1 de abril.",
            "Los autos estacionados en las rutas señaladas entre las 3 y las 7 de la mañana serán remolcados. "
            "Busque los letreros rojos y blancos.",
        ),
    ),
    DemoAnnouncement(
        "event",
        ["health"],
        [25, 26, 27],
        4,
        (
            "Free flu and COVID-19 shots in Austin and West Garfield Park",
            "No appointment or insurance needed. Bring your family.",
            "The Chicago Department of Public Health is offering free vaccines. Everyone 6 months and older is welcome.",
        ),
        (
            "Vacunas gratis contra la gripe y el COVID-19 en Austin y West Garfield Park",
            "No necesita cita ni seguro médico. Traiga a su familia.",
            "El Departamento de Salud Pública ofrece vacunas gratis. Pueden venir todas las personas de 6 meses o más.",
        ),
        "Austin Town Hall, 5610 W Lake St",
    ),
    DemoAnnouncement(
        "program",
        ["business"],
        [],
        10,
        (
            "Small business storefront grants: round two",
            "Grants of up to $50,000 to repair and improve storefronts on commercial corridors.",
            "Businesses on neighborhood commercial corridors can apply for matching grants to repair facades, "
            "windows, signs and accessibility features.",
        ),
        (
            "Subvenciones para fachadas de pequeños negocios: segunda ronda",
            "Subvenciones de hasta $50,000 para reparar y mejorar fachadas en corredores comerciales.",
            "Los negocios en corredores comerciales de los barrios pueden solicitar subvenciones para reparar "
            "fachadas, ventanas, letreros y accesos para personas con discapacidad.",
        ),
    ),
    DemoAnnouncement(
        "policy",
        ["environment", "water-sanitation"],
        [],
        12,
        (
            "Lead service line replacement: what homeowners need to know",
            "The city will replace lead water pipes at no cost for eligible homes.",
            "Homes built before 1986 may have a lead service line. Request a free water test and find out if "
            "your home qualifies for a free replacement.",
        ),
        (
            "Reemplazo de tuberías de plomo: lo que deben saber los propietarios",
            "La ciudad reemplazará sin costo las tuberías de agua de plomo en las casas que califiquen.",
            "Las casas construidas antes de 1986 pueden tener tuberías de plomo. Pida una prueba de agua gratis "
            "y averigüe si su casa califica para un reemplazo gratis.",
        ),
    ),
    DemoAnnouncement(
        "event",
        ["jobs-education"],
        [68, 69],
        13,
        (
            "Job fair in Englewood: 40 employers hiring now",
            "Bring your resume. On-the-spot interviews for jobs in health care, logistics and the trades.",
            "Free resume help and professional photos will be available.",
        ),
        (
            "Feria de empleo en Englewood: 40 empleadores contratando",
            "Traiga su currículum. Entrevistas en el momento para empleos en salud, logística y oficios.",
            "Habrá ayuda gratis con el currículum y fotos profesionales.",
        ),
        "Kennedy-King College, 6301 S Halsted St",
    ),
    DemoAnnouncement(
        "program",
        ["seniors-families", "health"],
        [],
        15,
        (
            "Summer meals for kids: free breakfast and lunch",
            "Children 18 and under get free meals at parks and libraries, no sign-up needed.",
            "Find a meal site near you by texting FOOD to 304-304 or by calling 311.",
        ),
        (
            "Comidas de verano para niños: desayuno y almuerzo gratis",
            "Los niños de 18 años o menos reciben comidas gratis en parques y bibliotecas, sin inscripción.",
            "Encuentre un sitio cerca de usted enviando COMIDA al 304-304 o llamando al 311.",
        ),
    ),
    DemoAnnouncement(
        "policy",
        ["budget"],
        [],
        18,
        (
            "Proposed budget published for public comment",
            "Read the proposed budget and send comments before the council vote.",
            "The proposed budget funds city services for next year. Read the summary and the full document, "
            "and comment online or at a town hall.",
        ),
        (
            "El presupuesto propuesto está publicado para comentarios",
            "Lea el presupuesto propuesto y envíe sus comentarios antes de la votación del concejo.",
            "El presupuesto propuesto financia los servicios de la ciudad del próximo año. Lea el resumen y el "
            "documento completo, y comente en línea o en un foro comunitario.",
        ),
    ),
    DemoAnnouncement(
        "event",
        ["streets-transportation"],
        [8, 32],
        16,
        (
            "Open house: bus priority lanes on Chicago Avenue",
            "See the plans for faster, more reliable buses and tell us what you think.",
            "CDOT and CTA staff will present the design and answer questions.",
        ),
        (
            "Reunión abierta: carriles prioritarios para autobuses en Chicago Avenue",
            "Vea los planes para autobuses más rápidos y confiables, y díganos qué opina.",
            "El personal de CDOT y de la CTA presentará el diseño y responderá preguntas.",
        ),
        "Chicago Avenue Branch Library, 1539 W Chicago Ave",
    ),
    DemoAnnouncement(
        "program",
        ["environment"],
        [],
        20,
        (
            "Free trees for your parkway",
            "Request a free tree for the parkway in front of your home.",
            "Call 311 or request online. Forestry crews plant in spring and fall.",
        ),
        (
            "Árboles gratis para su banqueta",
            "Pida un árbol gratis para el área verde frente a su casa.",
            "Llame al 311 o haga la solicitud en línea. Las cuadrillas plantan en primavera y otoño.",
        ),
    ),
    DemoAnnouncement(
        "policy",
        ["public-safety"],
        [],
        22,
        (
            "Fireworks safety and the law",
            "Consumer fireworks are illegal in Chicago. Report them to 311, not 911.",
            "Use 911 only for emergencies. Non-emergency reports about fireworks go to 311.",
        ),
        (
            "Seguridad con los fuegos artificiales y la ley",
            "Los fuegos artificiales de consumo son ilegales en Chicago. Repórtelos al 311, no al 911.",
            "Use el 911 solo para emergencias. Los reportes sobre fuegos artificiales van al 311.",
        ),
    ),
    DemoAnnouncement(
        "event",
        ["parks-culture"],
        [],
        20,
        (
            "Winter lights festival at Millennium Park",
            "Light installations, music and hot chocolate. Free and open to all.",
            "The festival is accessible by CTA and has step-free routes throughout.",
        ),
        (
            "Festival de luces de invierno en Millennium Park",
            "Instalaciones de luz, música y chocolate caliente. Gratis y abierto a todos.",
            "Se puede llegar en la CTA y hay rutas sin escalones en todo el festival.",
        ),
        "Millennium Park, 201 E Randolph St",
    ),
    DemoAnnouncement(
        "program",
        ["digital-equity", "seniors-families"],
        [],
        24,
        (
            "Digital skills classes for older adults",
            "Free classes on smartphones, video calls and avoiding scams.",
            "Classes run at regional senior centers, in English, Spanish and Polish.",
        ),
        (
            "Clases de habilidades digitales para personas mayores",
            "Clases gratis sobre teléfonos inteligentes, videollamadas y cómo evitar estafas.",
            "Las clases son en los centros regionales para personas mayores, en inglés, español y polaco.",
        ),
    ),
    DemoAnnouncement(
        "alert",
        ["water-sanitation"],
        [1, 2],
        1,
        (
            "Boil water advisory lifted in Rogers Park and West Ridge",
            "Tap water is safe to drink again. Flush your taps for five minutes.",
            "Tests confirmed the water is safe. Run cold water for five minutes before drinking.",
        ),
        (
            "Se levanta el aviso de hervir el agua en Rogers Park y West Ridge",
            "El agua de la llave es segura otra vez. Deje correr el agua cinco minutos.",
            "Las pruebas confirmaron que el agua es segura. Deje correr agua fría cinco minutos antes de tomarla.",
        ),
    ),
    DemoAnnouncement(
        "policy",
        ["business", "jobs-education"],
        [],
        27,
        (
            "Minimum wage rises to $16.60 on July 1",
            "The new minimum wage applies to most employers in Chicago.",
            "Tipped workers' minimum wage also rises. Employers must post the new notice.",
        ),
        (
            "El salario mínimo sube a $16.60 el 1 de julio",
            "El nuevo salario mínimo aplica a la mayoría de los empleadores en Chicago.",
            "El salario mínimo de los trabajadores con propinas también sube. Los empleadores deben publicar el nuevo aviso.",
        ),
    ),
    DemoAnnouncement(
        "event",
        ["housing"],
        [61, 58],
        18,
        (
            "Homebuyer workshop in Back of the Yards",
            "Learn about down payment help and how to get a mortgage.",
            "Free workshop with HUD-certified counselors. Childcare available.",
        ),
        (
            "Taller para compradores de vivienda en Back of the Yards",
            "Aprenda sobre la ayuda para el pago inicial y cómo obtener una hipoteca.",
            "Taller gratis con consejeros certificados por HUD. Hay cuidado de niños.",
        ),
        "Back of the Yards Library, 2111 W 47th St",
    ),
    DemoAnnouncement(
        "program",
        ["streets-transportation"],
        [],
        30,
        (
            "Divvy for Everyone: $5 yearly bike share",
            "Residents with low incomes can ride bike share for $5 a year.",
            "Sign up with proof of income or enrollment in a benefit program.",
        ),
        (
            "Divvy para todos: bicicletas compartidas por $5 al año",
            "Los residentes de bajos ingresos pueden usar las bicicletas compartidas por $5 al año.",
            "Inscríbase con un comprobante de ingresos o de inscripción en un programa de beneficios.",
        ),
    ),
    DemoAnnouncement(
        "policy",
        ["environment"],
        [],
        33,
        (
            "Bulk item pickup changes in your ward",
            "Schedule a free bulk pickup for furniture and appliances through 311.",
            "Crews now pick up bulk items by appointment to keep alleys clean.",
        ),
        (
            "Cambios en la recolección de objetos grandes en su distrito",
            "Programe una recolección gratis de muebles y electrodomésticos por el 311.",
            "Las cuadrillas ahora recogen objetos grandes con cita para mantener limpios los callejones.",
        ),
    ),
    DemoAnnouncement(
        "event",
        ["health", "seniors-families"],
        [],
        24,
        (
            "Mental health resource fair",
            "Meet counselors and learn about free mental health services.",
            "All services are confidential. Walk-ins welcome.",
        ),
        (
            "Feria de recursos de salud mental",
            "Conozca a consejeros y los servicios gratis de salud mental.",
            "Todos los servicios son confidenciales. No necesita cita.",
        ),
        "Chicago Cultural Center, 78 E Washington St",
    ),
    DemoAnnouncement(
        "program",
        ["jobs-education"],
        [],
        35,
        (
            "Paid summer jobs for youth ages 14 to 24",
            "One Summer Chicago applications are open.",
            "Youth earn money and experience in parks, libraries, offices and nonprofits.",
        ),
        (
            "Empleos pagados de verano para jóvenes de 14 a 24 años",
            "Las solicitudes de One Summer Chicago están abiertas.",
            "Los jóvenes ganan dinero y experiencia en parques, bibliotecas, oficinas y organizaciones.",
        ),
    ),
    DemoAnnouncement(
        "policy",
        ["digital-equity"],
        [],
        38,
        (
            "City services now available in more languages",
            "311 and city web pages now offer help in 10 languages.",
            "Ask for an interpreter when you call 311. It is free.",
        ),
        (
            "Servicios de la ciudad ahora en más idiomas",
            "El 311 y las páginas de la ciudad ofrecen ayuda en 10 idiomas.",
            "Pida un intérprete cuando llame al 311. Es gratis.",
        ),
    ),
    DemoAnnouncement(
        "event",
        ["environment"],
        [],
        27,
        (
            "Community cleanup day along the Chicago River",
            "Volunteers needed. Gloves, bags and snacks provided.",
            "Sign up as a group or come alone. Ages 12 and up.",
        ),
        None,
        "Ping Tom Memorial Park, 1700 S Wentworth Ave",
    ),
    DemoAnnouncement(
        "program",
        ["business"],
        [],
        40,
        (
            "Free legal help for small business owners",
            "Get free help with leases, licenses and contracts.",
            "Volunteer attorneys meet business owners by appointment.",
        ),
        None,
    ),
    DemoAnnouncement(
        "policy",
        ["public-safety", "streets-transportation"],
        [],
        42,
        (
            "Speed cameras near schools and parks",
            "Warning notices come first. Fines begin after a 30-day grace period.",
            "Cameras operate only near schools and parks, where children walk.",
        ),
        (
            "Cámaras de velocidad cerca de escuelas y parques",
            "Primero se envían avisos de advertencia. Las multas empiezan después de 30 días.",
            "Las cámaras funcionan solo cerca de escuelas y parques, donde caminan los niños.",
        ),
    ),
    DemoAnnouncement(
        "program",
        ["housing", "environment"],
        [],
        45,
        (
            "Home repair program for older homeowners",
            "Free roof, porch and heating repairs for eligible seniors.",
            "Homeowners 60 and older with low incomes can apply.",
        ),
        (
            "Programa de reparaciones para propietarios mayores",
            "Reparaciones gratis de techos, porches y calefacción para personas mayores que califiquen.",
            "Pueden solicitar los propietarios de 60 años o más con bajos ingresos.",
        ),
    ),
    DemoAnnouncement(
        "event",
        ["budget", "digital-equity"],
        [],
        34,
        (
            "Open data day: explore the city's numbers",
            "Learn how to use the city's open data portal. Bring a laptop.",
            "Workshops for beginners and for developers.",
        ),
        None,
        "Harold Washington Library Center, 400 S State St",
    ),
    DemoAnnouncement(
        "policy",
        ["health"],
        [],
        50,
        (
            "Heat emergency plan updated",
            "Cooling centers will open when the heat index reaches 100°F.",
            "The city will also call older residents who signed up for wellness checks.",
        ),
        (
            "Plan de emergencia por calor actualizado",
            "Los centros de enfriamiento abrirán cuando el índice de calor llegue a 100°F.",
            "La ciudad también llamará a las personas mayores inscritas para recibir llamadas de bienestar.",
        ),
    ),
    DemoAnnouncement(
        "program",
        ["parks-culture", "seniors-families"],
        [],
        55,
        (
            "Free museum days for Illinois residents",
            "Many museums offer free admission on select days.",
            "Bring proof of Illinois residency.",
        ),
        (
            "Días gratis en museos para residentes de Illinois",
            "Muchos museos ofrecen entrada gratis ciertos días.",
            "Traiga un comprobante de residencia en Illinois.",
        ),
    ),
]

DEMO_STAFF = [
    ("comms", "comms@civicloop.local", "communications", "Carmen Ortiz"),
    ("department", "department@civicloop.local", "department", "Devon Price"),
    ("moderator", "moderator@civicloop.local", "moderator", "Maya Chen"),
    ("admin", "admin@civicloop.local", "admin", "Alex Novak"),
]
DEMO_PASSWORD = "demo-city-2026"
