"""The life-safety detector (bot/actions/emergency.py, cues in config/emergency.yml).

Messages written the way strangers write to 311: most never say fire,
emergency or 911. Each list is one behaviour: every message in POSITIVE
must be recognised as a danger to life, every message in NEGATIVE is an
ordinary report that only shares words with one. The messages were written
before the patterns and are not copied into them.
"""

from __future__ import annotations

import pytest

from bot.actions import emergency
from bot.actions.emergency import Emergency, detect, says_all_clear

# (message, kind expected) -- English.
POSITIVE_EN: list[tuple[str, str]] = [
    # fire
    ("a car is burning in the parking lot", "fire"),
    ("the house next door is on fire", "fire"),
    ("theres flames comin out the window of the apartment upstairs", "fire"),
    ("my kitchen caught fire and its spreading", "fire"),
    ("the dumpster behind the building is burning right up against the wall", "fire"),
    ("apartment building across the street is going up in flames", "fire"),
    ("woods behind my house are burning", "fire"),
    ("my neighbors trailer is burning down", "fire"),
    ("electrical outlet sparking and smoking in my bedroom", "fire"),
    ("grass fire spreading toward the houses on cleveland ave", "fire"),
    ("the car on the shoulder of I-20 just caught on fire", "fire"),
    ("there's a pothole and my neighbor's house is on fire", "fire"),
    # smoke
    ("smoke pouring out of my neighbor's house", "smoke"),
    ("black smoke coming from the roof of the house on my street", "smoke"),
    ("thick smoke filling the hallway of my apartment building", "smoke"),
    ("i can see smoke coming out from under my neighbors door", "smoke"),
    ("smells like something burning inside the walls", "smoke"),
    ("smoke coming out of the gas station store", "smoke"),
    # gas
    ("strong smell of gas in my house", "gas"),
    ("I smell gas", "gas"),
    ("i smell gas real bad outside the apartments", "gas"),
    ("we can hear gas hissing from the meter", "gas"),
    ("the contractor hit a gas line digging in the yard", "gas"),
    ("smells like rotten eggs in the whole building and im getting dizzy", "gas"),
    ("it smells like natural gas all over the block", "gas"),
    # carbon monoxide
    ("the carbon monoxide alarm is going off and my kids are throwing up", "carbon_monoxide"),
    ("co detector keeps going off and we all have headaches", "carbon_monoxide"),
    ("CO alarm beeping like crazy and my wife feels dizzy", "carbon_monoxide"),
    ("i think we have carbon monoxide poisoning everyone is sick and sleepy",
     "carbon_monoxide"),
    # weapon
    ("some guy waving a gun around outside the store", "weapon"),
    ("man with a knife chasing people at the bus stop", "weapon"),
    ("somebody just shot at a car on my street", "weapon"),
    ("I heard gunshots and someone is screaming", "weapon"),
    ("dude pulled a pistol on the cashier", "weapon"),
    ("theres a guy with a rifle pointing it at houses", "weapon"),
    ("someone is shooting outside right now", "weapon"),
    ("shots fired outside", "weapon"),
    ("there's a man with a gun at the gas station", "weapon"),
    ("somebody got stabbed outside the club", "weapon"),
    ("a man got shot in the parking lot of my building", "weapon"),
    # violence / threat
    ("there's a man threatening to kill his girlfriend next door", "violence"),
    ("my neighbor is beating his wife i can hear her screaming", "violence"),
    ("someone is breaking into my house right now", "violence"),
    ("a group of guys are jumping a kid in the park", "violence"),
    ("my ex is outside banging on the door saying he will hurt me", "violence"),
    ("a man is attacking a woman at the marta station", "violence"),
    ("guy punching a woman in the parking lot", "violence"),
    ("someone is trying to drag a girl into a van", "violence"),
    ("he says hes gonna kill me", "violence"),
    ("a pit bull is attacking a little kid down the street", "violence"),
    ("there's somebody inside my house and i'm hiding in the closet", "violence"),
    # medical
    ("my dad won't wake up", "medical"),
    ("his lips are turning blue", "medical"),
    ("she's having a seizure", "medical"),
    ("my grandma is not breathing", "medical"),
    ("my husband collapsed and isnt responding", "medical"),
    ("I think my son took too many pills", "medical"),
    ("my friend od'd in the bathroom", "medical"),
    ("guy passed out on the sidewalk and hes not moving", "medical"),
    ("he cut his arm really deep and it wont stop bleeding", "medical"),
    ("my mom's having chest pains and cant catch her breath", "medical"),
    ("my wife's face is drooping and she cant talk right", "medical"),
    ("I think my neighbor is having a stroke", "medical"),
    ("the baby is choking", "medical"),
    ("old man fell and hit his head, hes bleeding a lot", "medical"),
    ("my brother is having an allergic reaction and his throat is closing", "medical"),
    ("she's unresponsive", "medical"),
    ("i think he is having a heart attack", "medical"),
    ("my roommate is foaming at the mouth", "medical"),
    ("someone is lying on the ground not moving at the bus stop", "medical"),
    ("there's a dead body behind the dumpster", "medical"),
    ("my diabetic son is shaking and wont answer me", "medical"),
    ("someone is hurt in the street", "medical"),
    # self-harm
    ("i want to kill myself", "self_harm"),
    ("my friend says she is going to end her life tonight", "self_harm"),
    ("my brother is on the bridge saying he's going to jump", "self_harm"),
    # crash with injury
    ("a lady got hit by a car and she's lying in the road", "crash_with_injury"),
    ("bad wreck on peachtree and someone is hurt", "crash_with_injury"),
    ("kid on a bike got hit by a truck", "crash_with_injury"),
    ("car flipped over on the freeway with people inside", "crash_with_injury"),
    ("motorcycle crash and the rider isn't moving", "crash_with_injury"),
    ("a pedestrian was struck by a bus on ponce", "crash_with_injury"),
    ("hit and run, the guy is laying in the street", "crash_with_injury"),
    ("car accident at the light and the driver is bleeding", "crash_with_injury"),
    # trapped
    ("stuck in the elevator and my chest hurts", "trapped"),
    ("my neighbor is trapped under a tree that fell on her car", "trapped"),
    ("a man is pinned under his car", "trapped"),
    ("we're trapped in our apartment and can't get out", "trapped"),
    ("a worker got buried when the trench caved in", "trapped"),
    ("my grandmother is stuck in an elevator at her building", "trapped"),
    # water
    ("kid fell in the creek and can't get out", "water"),
    ("someone is drowning in the lake", "water"),
    ("a man got swept away in the flood water", "water"),
    ("car drove into the flooded underpass and people are on the roof", "water"),
    ("a child fell into the pool and is not coming up", "water"),
    ("my neighbor's little boy fell in the retention pond", "water"),
    ("somebody fell in the river by the bridge", "water"),
    # child in danger
    ("baby locked in a hot car", "child_in_danger"),
    ("toddler wandering alone in the middle of the highway", "child_in_danger"),
    ("there's a kid left in a car in the walmart lot and it's 95 out", "child_in_danger"),
    ("little boy on the roof about to fall", "child_in_danger"),
    ("kids alone in a car crying with the windows up, it's really hot", "child_in_danger"),
    # live wires
    ("live power lines down on a car with people inside", "live_wires"),
    ("power line fell and is sparking in the street", "live_wires"),
    ("a wire is down on the sidewalk and it's buzzing", "live_wires"),
    ("the transformer blew up and theres a line laying on the road", "live_wires"),
    ("downed power line touching a car and the driver is still in it", "live_wires"),
    ("live wire down on the sidewalk", "live_wires"),
]

# Texting forms, voice transcripts, odd Unicode and long messages (English).
POSITIVE_EN_FORMS: list[tuple[str, str]] = [
    ("ppl hurt bad wreck on 285", "crash_with_injury"),
    ("some1 got shot on my block", "weapon"),
    ("my dad wont wake up pls help", "medical"),
    ("she not breathing!!!", "medical"),
    ("uh yeah hi my husband he's uh he's not breathing i don't know what to do", "medical"),
    ("yes there is a man uh laying in the road he got hit by a car", "crash_with_injury"),
    ("MY SON IS HAVING A SEIZURE", "medical"),
    ("she\u2019s having a seizure", "medical"),
    ("\uff2d\uff39 \uff24\uff21\uff24 \uff37\uff2f\uff2e\u2019\uff34 \uff37\uff21\uff2b\uff25 "
     "\uff35\uff30", "medical"),
    ("he is\u00a0not breathing", "medical"),
    ("his lips are turn\u200bing blue", "medical"),
    ("Hi, I've been trying to reach someone about the pothole on my street for weeks. It has "
     "gotten a lot worse since the rain and my tire popped last Tuesday. Anyway, right now "
     "there's a guy lying in the road who got hit by a car and he isn't moving. Please help.",
     "crash_with_injury"),
    ("The streetlight on my corner has been out for a month and the sidewalk is cracked. "
     "Also the house across the street has smoke pouring out of the upstairs window.",
     "smoke"),
    ("there's a man with a gun, nobody is hurt yet", "weapon"),
    ("my dad is not breathing, nobody else is hurt", "medical"),
    ("someones hurt", "medical"),
    ("there is a fire in the apartment upstairs", "fire"),
    ("i smell smoke in the building", "smoke"),
]

# (message, kind) -- Spanish, with and without accents, in different registers.
POSITIVE_ES: list[tuple[str, str]] = [
    ("hay un carro quemándose en el estacionamiento", "fire"),
    ("la casa de al lado se está incendiando", "fire"),
    ("hay llamas saliendo por la ventana del segundo piso", "fire"),
    ("hay un incendio en la cocina", "fire"),
    ("sale mucho humo de la casa del vecino", "smoke"),
    ("hay humo negro saliendo del techo", "smoke"),
    ("huele muchisimo a gas en mi casa", "gas"),
    ("huele a gas", "gas"),
    ("hay una fuga de gas en la calle y se oye como sale", "gas"),
    ("la alarma de monoxido de carbono esta sonando y los niños estan vomitando",
     "carbon_monoxide"),
    ("un hombre con una pistola afuera de la tienda", "weapon"),
    ("le dispararon a un muchacho en la esquina", "weapon"),
    ("hay un tipo con un cuchillo amenazando a la gente", "weapon"),
    ("apuñalaron a un señor en la parada del bus", "weapon"),
    ("un hombre está amenazando con matar a su novia", "violence"),
    ("mi vecino le está pegando a su esposa, ella está gritando", "violence"),
    ("se están metiendo a robar a mi casa ahorita", "violence"),
    ("unos hombres estan golpeando a un muchacho en el parque", "violence"),
    ("mi papá no despierta", "medical"),
    ("mi papa no despierta", "medical"),
    ("mi hijo no respira", "medical"),
    ("a mi esposo le duele el pecho y no puede respirar", "medical"),
    ("mi hija está convulsionando", "medical"),
    ("se le están poniendo morados los labios", "medical"),
    ("mi abuela se desmayó y no responde", "medical"),
    ("creo que a mi tio le dio un derrame cerebral, no puede hablar", "medical"),
    ("mi hermano se tomó un montón de pastillas", "medical"),
    ("está sangrando mucho y no para", "medical"),
    ("le esta dando un ataque al corazon", "medical"),
    ("hay un herido", "medical"),
    ("xfa ayuda un señor se desmayo en la calle y no reacciona", "medical"),
    ("mi novio dice que se va a matar", "self_harm"),
    ("atropellaron a una señora y está tirada en la calle", "crash_with_injury"),
    ("choque feo en la autopista y hay gente herida", "crash_with_injury"),
    ("estoy atrapado en el elevador y me falta el aire", "trapped"),
    ("un hombre quedó atrapado debajo de su carro", "trapped"),
    ("el niño se cayó al arroyo y no puede salir", "water"),
    ("mi vecino se está ahogando en la piscina", "water"),
    ("a un señor se lo llevó la corriente del agua", "water"),
    ("hay un bebé encerrado en un carro caliente", "child_in_danger"),
    ("un niño chiquito caminando solo en medio de la carretera", "child_in_danger"),
    ("hay cables de luz caídos encima de un carro con gente adentro", "live_wires"),
    ("el cable de luz está echando chispas en la calle", "live_wires"),
    ("mi papa\u0301 no despierta", "medical"),
]

# Added 2026-12-02: emergencies told without a keyword (English).
POSITIVE_NEW_EN: list[tuple[str, str]] = [
    ("the transformer on the pole is smoking and sparking over the sidewalk", "live_wires"),
    ("my husband says his chest feels like an elephant is sitting on it", "medical"),
    ("my dad is all sweaty and says there's a heavy pressure on his chest", "medical"),
    ("she's slurring her words and one side of her face is drooping", "medical"),
    ("grandpa suddenly can't lift his left arm and his smile looks crooked", "medical"),
    ("he took a bunch of pills and won't answer me", "medical"),
    ("my sister swallowed a whole bottle of her sleeping pills", "medical"),
    ("my mom fell and can't get up and she's bleeding from her head", "medical"),
    ("baby isn't breathing right", "medical"),
    ("my newborn is breathing funny and his skin looks gray", "medical"),
    ("my son is gasping for air", "medical"),
    ("my wife just dropped to the floor and her eyes rolled back", "medical"),
    ("my diabetic dad's sugar crashed and he's barely making sense", "medical"),
    ("my friend got stung by a bee and her lips and tongue are swelling up", "medical"),
    ("a man is slumped over the wheel at the light and he won't respond when we knock",
     "medical"),
    ("my uncle was working in the yard and i think he's having a heat stroke", "medical"),
    ("my daughter hit her head on the slide and now she keeps throwing up", "medical"),
    ("my little brother drank bleach from under the sink", "medical"),
    ("my grandma is coughing up blood", "medical"),
    ("someone is trying to break my door down", "violence"),
    ("my ex is kicking my door in right now", "violence"),
    ("a man is following me and I'm scared", "violence"),
    ("some guy has been following me for three blocks and won't leave me alone", "violence"),
    ("a car keeps following my daughter on her walk home from school", "violence"),
    ("kids playing on the train tracks", "child_in_danger"),
    ("two little boys are sitting on the railroad tracks by the park", "child_in_danger"),
    ("there's a person on the bridge railing about to jump", "self_harm"),
    ("a woman is standing on the outside of the overpass railing on the connector",
     "self_harm"),
    ("two cars collided at the intersection and a woman can't get out of her car",
     "crash_with_injury"),
    ("a motorcycle crashed on the freeway and the rider is lying in the lane",
     "crash_with_injury"),
    ("car went off the road into a ditch and i can hear someone screaming inside",
     "crash_with_injury"),
    ("a car drove into the lake at the park and it's sinking", "water"),
    ("a kid is in the river holding onto a branch", "water"),
    ("there's someone in the pond yelling for help and they can't swim", "water"),
    ("a man is stranded on top of his truck in the flood water waving for help", "water"),
    ("the hallway is all smoky and people are still inside the apartments", "smoke"),
    ("there's smoke on our floor and my grandma can't do the stairs", "smoke"),
    ("the fire alarm is going off in our building and i can smell smoke", "smoke"),
    ("the whole family has headaches and feels dizzy and the furnace is running",
     "carbon_monoxide"),
    ("we're running a generator in the garage and my kids are throwing up",
     "carbon_monoxide"),
    ("everybody in the house is dizzy and nauseous since we turned the space heater on",
     "carbon_monoxide"),
    # more of the same, no keyword
    ("my grandmother is breathing really weird and won't open her eyes", "medical"),
    ("he's clutching his chest and sweating", "medical"),
    ("my wife is in labor and the baby is coming right now", "medical"),
    ("my son was bit by a snake and his leg is swelling", "medical"),
    ("there's a guy lying face down in the creek", "water"),
    ("someone is stuck on the roof of their car in the flood", "water"),
    ("a man is banging on my door saying he's going to hurt me", "violence"),
    ("a man broke into my neighbor's house and she's still inside", "violence"),
    ("someone is hanging from the bridge", "self_harm"),
    ("a girl is standing on the ledge of the parking deck", "self_harm"),
    ("the building is shaking and the ceiling is coming down on people", "trapped"),
    ("a kid fell through the ice at the pond", "water"),
    ("i think my dad is having a diabetic emergency he is shaking and sweating", "medical"),
    ("my mom is confused and can't talk", "medical"),
    ("there's a guy bleeding on the sidewalk", "medical"),
    ("a car hit a kid on a bike", "crash_with_injury"),
    ("a truck crashed into a house and someone is inside", "crash_with_injury"),
    ("everyone in the house has a headache and feels sick and sleepy", "carbon_monoxide"),
    ("the baby swallowed a battery", "medical"),
    ("my kid ate some of my pills", "medical"),
    ("my neighbor is screaming for help", "medical"),
]

# Added 2026-12-02: emergencies told without a keyword (Spanish).
POSITIVE_NEW_ES: list[tuple[str, str]] = [
    ("la niña se está ahogando", "water"),
    ("se desmayó y no reacciona", "medical"),
    ("mi esposo dice que siente un peso en el pecho", "medical"),
    ("a mi mamá le duele mucho el brazo izquierdo y está sudando frío", "medical"),
    ("mi abuelo no puede mover la mitad de la cara y habla raro", "medical"),
    ("mi hijo se tomó todo el frasco de pastillas de su abuela", "medical"),
    ("mi mamá se cayó, no se puede levantar y le sale sangre de la cabeza", "medical"),
    ("el bebé no está respirando bien", "medical"),
    ("mi tía está vomitando sangre", "medical"),
    ("la niña se está poniendo azul", "medical"),
    ("mi hermanito tomó veneno para ratas", "medical"),
    ("alguien está tratando de tumbar mi puerta", "violence"),
    ("un hombre me está siguiendo y tengo miedo", "violence"),
    ("hay unos niños jugando en las vías del tren", "child_in_danger"),
    ("hay una persona parada en el barandal del puente y dice que se va a aventar",
     "self_harm"),
    ("chocaron dos carros y el señor no puede salir de su carro", "crash_with_injury"),
    ("un motociclista chocó y está en la carretera sin moverse", "crash_with_injury"),
    ("un señor está en el arroyo agarrado de una rama y no puede salir", "water"),
    ("el carro se está hundiendo en el lago con gente adentro", "water"),
    ("hay humo en el pasillo y no podemos salir del apartamento", "smoke"),
    ("el edificio se está llenando de humo y hay niños adentro", "smoke"),
    ("huele como a huevo podrido en la cocina y nos duele la cabeza", "gas"),
    ("prendimos el calentador y todos en la casa estamos mareados", "carbon_monoxide"),
    ("tenemos el generador en la cochera y los niños están vomitando", "carbon_monoxide"),
    ("mi hijo se cayó de la ventana del segundo piso", "medical"),
    ("mi abuela está muy confundida y no puede hablar", "medical"),
    ("a mi hijo lo mordió una víbora en el patio", "medical"),
    # a small child loose near traffic, the age as a number and the road by name
    ("there's a toddler in a diaper walking down Cascade Rd by himself", "child_in_danger"),
    ("a girl about two years old is wandering alone along Campbellton Rd", "child_in_danger"),
    ("una nena de tres años caminando solita por la avenida", "child_in_danger"),
]


# A heart that stopped (no pulse, CPR under way) and a CO alarm named by its label.
POSITIVE_PULSE_CO: list[tuple[str, str]] = [
    ("my uncle dropped in the kitchen and i cant find a pulse", "medical"),
    ("a man fell off his bike and two people are giving him cpr on the sidewalk", "medical"),
    ("la señora se cayó en la fila y no tiene pulso, le están haciendo RCP", "medical"),
    ("the alarm labeled CO by the furnace started beeping and my son says his head hurts",
     "carbon_monoxide"),
    # The bent-limb and kicking cues still fire when a body or a person is meant.
    ("he fell by the light pole and his leg is twisted the wrong way", "medical"),
    ("a man outside is kicking her and she is on the ground", "violence"),
    ("a man is laying in the street by the light pole, a car hit him", "crash_with_injury"),
    ("the man next to the light pole is laying in the street, a car hit him",
     "crash_with_injury"),
    ("mi esposo está sentado en el carro y no se mueve", "medical"),
]

# Families a stranger's emergency set (bench/eval/danger3.yml) showed missing, in
# other words than that set's: stroke signs, low blood sugar, heat stroke, goodbye
# messages, a person down who cannot get up, scalds, asthma, electrical fires, grease
# fires, gas indoors, someone breaking in, threats, people under a collapse, water
# over a car's windows, swept by a current, a child who cannot be found, a person
# with dementia who wandered off, someone outside a bridge railing.
POSITIVE_DANGER3_FAMILIES: list[tuple[str, str]] = [
    ("my grandpa's mouth is drooping on one side and he can't talk right", "medical"),
    ("she's diabetic and now she's confused and sweating, she won't drink anything",
     "medical"),
    ("his sugar reads 41 and he's shaking", "medical"),
    ("the mail carrier's skin is red and dry and she's dizzy", "medical"),
    ("I just wanted to say goodbye to someone before tonight", "medical"),
    ("my aunt is on the floor in the kitchen and she can't get up", "medical"),
    ("the toddler pulled hot soup onto himself and his skin is blistering", "medical"),
    ("my son hit his head on the concrete and now he's confused and drowsy", "medical"),
    ("the outlet in the den is black and melted and sparking and the plate is glowing",
     "fire"),
    ("oil in the frying pan caught and the flames reach the hood", "fire"),
    ("the basement reeks of natural gas and my kids are down there", "gas"),
    ("I heard somebody in the kitchen downstairs and I live alone", "violence"),
    ("he said he'd hurt me when he gets home", "violence"),
    ("a carport came down and two men are pinned under the roof", "trapped"),
    ("floodwater is over the dashboard of a sedan on Northside Dr and a man is inside",
     "water"),
    ("a teenager got swept downstream by the current in the creek behind the school",
     "water"),
    ("my mother has dementia and wandered off from the house an hour ago",
     "child_in_danger"),
    ("I can't find my little daughter at the festival in Piedmont Park", "child_in_danger"),
    ("someone is standing on the other side of the railing on the overpass",
     "self_harm"),
]

# Families that a second stranger's set (bench/eval/danger4.yml) and the emergency training
# data showed missing; worded afresh here, not copied from either.
POSITIVE_DANGER4_FAMILIES: list[tuple[str, str]] = [
 ("my coworker dropped and he's shaking all over with foam at his mouth", "medical"),
    ("a mi tío le sale espuma por la boca y tiene los ojos para atrás", "medical"),
    ("the old man at table six is holding his throat and can't speak or cough", "medical"),
    ("al niño se le atoró un dulce y no puede respirar ni toser", "medical"),
    ("my aunt's face is drooping on the left and her words come out jumbled", "medical"),
    ("it's 18 degrees and the man on the bench stopped shivering and only mumbles", "medical"),
    ("she's diabetic and got shaky and sweaty and slid off her chair", "medical"),
    ("my brother's leg is torn open and there's blood pouring out", "medical"),
    ("my friend's water broke and I can see the baby's head", "medical"),
    ("the toddler swallowed a button battery from the remote", "medical"),
    ("my nephew drank the blue stuff from under the sink", "medical"),
    ("le cayó aceite hirviendo en el brazo y la piel se le está pelando", "medical"),
    ("the roofer stopped sweating and he's talking nonsense in this heat", "medical"),
    ("his sleeve got caught in the conveyor and his arm is crushed", "medical"),
    ("a painter fell three stories off the scaffold", "medical"),
    ("the guy who went into the storm vault stopped answering", "medical"),
    ("a man is lying across the tracks at the station and the train is due", "medical"),
    ("dos perros están mordiendo a un niño en la cancha", "medical"),
    ("he showed the cashier a pistol in his waistband", "weapon"),
    ("a man keeps pointing a rifle at joggers by the lake", "weapon"),
    ("están tirando tiros en el parqueo de los apartamentos", "weapon"),
    ("he dragged her by the hair to the truck", "violence"),
    ("the kid next door is screaming stop over and over and it sounds like hitting", "violence"),
    ("somebody is turning the knob of my back door and I'm alone", "violence"),
    ("mi novio me tiene encerrada y me pegó en la cara", "violence"),
    ("someone just snatched my baby from the stroller", "violence"),
    ("there's a backpack in the lobby that is beeping and has wires sticking out", "violence"),
    ("he says he'll burn the house down with us inside", "violence"),
    ("nobody is going to miss me, I have the pills ready", "self_harm"),
    ("mi hijo me mandó un mensaje de adiós y no abre la puerta", "self_harm"),
    ("a young man is sitting on the top ledge with his legs over the side", "self_harm"),
    ("my six year old is missing at the mall", "child_in_danger"),
    ("se me perdió mi chamaco en la tienda", "child_in_danger"),
    ("grandpa has alzheimer's and he got out of the house barefoot", "child_in_danger"),
    ("the shelf collapsed and a customer is pinned from the waist down", "trapped"),
    ("the deck caved and I can hear a woman underneath saying help me", "trapped"),
    ("a worker is yelling from down inside the manhole", "trapped"),
    ("water's up to the windows of a car in the underpass and a woman is on the roof waving",
     "water"),
    ("el agua está subiendo alrededor del carro y mis hijos están atrás", "water"),
    ("a man is hanging onto the sign pole and the water is moving fast", "water"),
    ("the wire on the sidewalk is sparking and jumping around by the school", "live_wires"),
    ("there's a fire back there right now spreading through the dry grass", "fire"),
    ("the fumes from those drums are making people sick", "gas"),
]

# Voices a third stranger's set (bench/eval/danger5.yml) brought: English as a second
# language, dictation, answers to a question the assistant asked; worded afresh.
POSITIVE_DANGER5_FAMILIES: list[tuple[str, str]] = [
    ("we ran the generator in the garage all night and now my wife has a headache",
     "carbon_monoxide"),
    ("my son drink the liquid for clean the bathroom and he is throwing up", "medical"),
    ("mi hermana se tomó el liquido del vape y está muy dormida", "medical"),
    ("the neighbor's dog bit my daughter in the face", "medical"),
    ("my husband he fall down from the ladder and cannot move his legs", "medical"),
    ("her eye is going back and she is shaking all the body", "medical"),
    ("he's allergic to shrimp and now he's wheezing", "medical"),
    ("no, he's still not awake and he sounds like snoring", "medical"),
    ("she's very sleepy and kind of gray after the pool", "medical"),
    ("yes he is still pinned under there", "trapped"),
    ("a pack of dogs is going after a jogger on the trail", "medical"),
    ("a man in his pajamas with no shoes on, twenty degrees out, he looks really confused",
     "medical"),
    ("se tragó una pila del reloj y está llorando", "medical"),
    ("a mi primo le cayó un rayo en la obra", "medical"),
    ("un enjambre de abejas está atacando a un señor en el patio", "medical"),
    ("mi papá tocó el cable y se quedó pegado", "medical"),
    ("the blood is dripping onto the sidewalk and he's dizzy", "medical"),
    ("my mom walked out this morning and never came back, she has dementia", "medical"),
    ("she screamed once and then it went completely quiet next door", "violence"),
    ("a man is climbing in the window of the house next door and the kids are home", "violence"),
    ("my best friend sent me a pic of her wrists all cut up", "self_harm"),
    ("I turned around at the pool and she's gone", "child_in_danger"),
    ("mi hijo se salió de la casa y no lo encontramos", "child_in_danger"),
    ("salen llamas del techo de la casa de enfrente", "fire"),
    ("the fire's still spreading and it's in the attic now", "fire"),
    ("my car is stuck in the water and it's up past my knees and rising", "water"),
    ("se cayó al río y no lo vemos salir", "water"),
]

ALL_POSITIVE = (POSITIVE_EN + POSITIVE_EN_FORMS + POSITIVE_ES + POSITIVE_NEW_EN
                + POSITIVE_NEW_ES + POSITIVE_PULSE_CO + POSITIVE_DANGER3_FAMILIES
                + POSITIVE_DANGER4_FAMILIES + POSITIVE_DANGER5_FAMILIES)

NEGATIVE_EN: list[str] = [
    "I need a free smoke alarm installed",
    "the fire hydrant is leaking",
    "burnt out car abandoned for weeks",
    "water main break flooding the street",
    "water main break flooding the street, nobody hurt",
    "dead dog in the road",
    "fireworks noise every night",
    "tree fell on the fence, nobody hurt",
    "gas station lot overgrown",
    "sewer smell",
    "the smoke detector keeps chirping",
    "fire department should check the hydrant",
    "the basketball court where we go shooting hoops has a broken rim",
    "shooting hoops at the park court is broken",
    "can I get a smoke detector for my elderly mom",
    "the fire hydrant on my corner was hit by a car and is leaking",
    "the stop sign got hit by a truck and is bent over",
    "a dog got hit by a car and it's lying dead in the road",
    "abandoned vehicle that was burned, been sitting there for a month",
    "someone dumped a burned mattress on the curb",
    "the streetlight is out and it's so dark someone could get hurt",
    "this pothole is so deep it's going to kill somebody",
    "this pothole is killing my tires",
    "the traffic light is dead",
    "people shooting off fireworks at 2am",
    "the smoke shop next door leaves trash everywhere",
    "my neighbor burns trash in his backyard every weekend",
    "heat is out in my apartment and the landlord won't fix it",
    "the bench at the bus stop is broken, an old lady fell on it yesterday",
    "trash truck hit my mailbox",
    "a car hit the light pole last night and the pole is lying on the sidewalk",
    "the power is out on my whole street",
    "cable line hanging low across the street",
    "standing water in the ditch is breeding mosquitos",
    "the creek behind my house is full of trash",
    "the pool at the rec center needs cleaning",
    "dead cat in the creek",
    "kids playing in the street after dark, we need speed bumps",
    "the kids are locked out of the park, the gate is always locked",
    "car alarm going off for hours",
    "carbon monoxide detector I got from the city keeps chirping, needs a battery",
    "the smoke detector keeps beeping every few minutes",
    "fire hydrant is open and spraying water everywhere",
    "fire lane blocked by parked cars",
    "the firehouse lawn needs mowing",
    "my neighbor's dog attacked my cat",
    "car break-ins in the neighborhood, can we get more lights",
    "my car was broken into last night",
    "storm drain choking with leaves",
    "dead tree about to fall on my house",
    "a tree fell on my car overnight, no one was in it",
    "car accident at the intersection again, we need a traffic light",
    "there was a wreck at 10th and peachtree, nobody was hurt, but the sign is down",
    "blue recycling bin is broken",
    "the lake at the park is full of algae",
    "street sweeper never came",
    "missing manhole cover, someone could fall in",
    "kid's bike stuck in the storm drain grate",
    "my car is stuck in the mud on the unpaved road",
    "the elevator at the library has been out of service for weeks",
    "smells like rotten eggs from the sewer grate",
    "georgia power truck blocking the road while they work on the power lines",
    "tree branches touching the power lines, need trimming",
    "streetlight wire hanging out of the pole base",
    "my neighbor is blocking my driveway and threatening to tow my car",
    "the gunshot sensor on the pole is hanging loose",
    "burning smell from the bbq restaurant exhaust every morning",
    "the bbq place next door has smoke coming out of its smoker all day",
    "my neighbor's chimney smoke blows into my window",
    "homeless man sleeping at the bus stop",
    "sinkhole opening up in my street",
    "baby changing station broken in the park restroom",
    "child car seat dumped on the side of the road",
    "illegal dumping of tires behind the gas station",
    "the gas meter is buried under overgrown bushes",
    "pothole swallowed my tire and i almost crashed",
    "drivers keep crashing into my fence every month",
    "the rail on the bridge is broken, someone will fall into the river",
    "dead end sign is missing",
    "please come pick up the dead raccoon on the sidewalk",
    "fire ant mound in the playground",
    "the hot water at the rec center showers doesn't work",
    "the shooting range noise is too loud",
    "graffiti on the fire station wall",
    "broken glass at the playground, kids could get cut",
    "i smell smoke from my neighbor's cigarettes in the hallway",
    "there's a fire lane in front of the school that people park in",
]

NEGATIVE_ES: list[str] = [
    "necesito que me instalen una alarma de humo",
    "necesito una alarma de incendio gratis",
    "la alarma de incendios esta pitando, creo que es la bateria",
    "el hidrante de incendios está goteando",
    "hay un carro quemado abandonado desde hace semanas",
    "se rompió una tubería de agua y se está inundando la calle, nadie herido",
    "hay un perro muerto en la calle",
    "los fuegos artificiales no dejan dormir todas las noches",
    "se cayó un árbol sobre la cerca, nadie salió herido",
    "el lote de la gasolinera está lleno de maleza",
    "hay olor a drenaje en la calle",
    "el detector de humo sigue pitando",
    "la cancha de basquet del parque tiene el aro roto",
    "el semáforo no funciona",
    "los bomberos deberían revisar el hidrante",
    "se llevaron mi bote de basura",
    "el agua del arroyo está sucia",
    "hay un choque cada semana en esta esquina, necesitamos un semáforo",
    "un carro chocó el poste de luz anoche",
    "cables de internet colgando muy bajos sobre la calle",
]

# Added 2026-12-02: ordinary reports that sound alarming, nobody in danger now (English).
NEGATIVE_NEW_EN: list[str] = [
    "transformer blew and we've had no electricity for hours on my street",
    "a transformer popped last night and the whole block has been dark since",
    "someone is going to get killed if this light isn't fixed",
    "this pothole will kill somebody",
    "please fix it before somebody gets hurt",
    "please fix the streetlight before someone gets hurt or killed",
    "there was a fire here last month and the burnt house is still open",
    "I'm scared to sleep without a smoke detector after that fire on the news",
    "power line sagging but nothing is sparking",
    "the power line in the alley is sagging really low but it isn't sparking or down",
    "a car crashed into the pole last night, everyone was fine, now the light is out",
    "gas station on the corner has trash everywhere",
    "the creek is flooding the road",
    "the heat is killing me",
    "I'm dying to know when the bulk trash pickup is",
    "this is killing my back, the sidewalk is so uneven",
    "this intersection is gonna kill you one day, we need a four way stop",
    "those speeders are going to kill a kid one of these days",
    "somebody's gonna get hurt on that broken sidewalk",
    "someone almost got hit by a car at this crosswalk this morning, we need a light",
    "a kid nearly got run over at the school crossing, please send a crossing guard",
    "my neighbor's house burned down last year and the lot is overgrown",
    "someone set a couch on fire in the vacant lot last week and the burnt frame is still there",
    "the house that caught fire back in march is still wide open",
    "after the accident last night there's glass and car parts all over the road",
    "the wreck knocked down the stop sign but nobody was hurt",
    "the crash barrier on the highway is bent",
    "the stairs at the train station are a death trap",
    "I'm dying of heat at this bus stop, there's no shade at all",
    "my back is killing me from these potholes",
    "dead tree leaning over the sidewalk, it's going to fall on someone",
    "there's a big hole in the fence by the train tracks and kids cut through it",
    "the railroad crossing arms at the train tracks are stuck down",
    "the bus driver keeps following too close to my car",
    "I'm scared to walk at night because the streetlights are out",
    "someone spray painted the bridge railing",
    "the railing on the pedestrian bridge is loose, someone could fall",
    "the underpass floods every time it rains and cars get stuck",
    "the retention pond is overflowing onto the street",
    "the generator at the construction site is so loud it gives me headaches",
    "my furnace is out and my kids are freezing",
    "my space heater keeps tripping the breaker, is there help with heating bills",
    "i get dizzy from the fumes at the gas station next door",
    "my neighbor keeps breaking the lock on the shared gate",
    "the door of the vacant house is kicked in and people go in and out",
    "please fix this pothole before someone dies",
    "the traffic on this road is murder",
    "i nearly had a heart attack when i saw my water bill",
    "my water bill gave me a heart attack",
    "a tree fell on the power line but it's not sparking, just hanging low",
    "power lines are sagging over my yard",
    "my neighbor's dog keeps following me when i walk",
    "there's a dead bird in the pool",
    "someone crashed into the guardrail last week and it's still broken",
    "car accident debris still in the road from yesterday",
    "our smoke alarm goes off every time we cook",
    "i'm choking on the dust from the construction site",
    "the drain is choking on leaves",
    "kids keep climbing on the bridge railing to take pictures, need a taller fence",
    "the garbage truck hit the kids basketball hoop at the curb",
    "traffic backed up for the labor day parade, can you send someone to direct cars",
    "the smoke from the factory gives everyone on our street headaches and makes us dizzy",
]

# Added 2026-12-02: ordinary reports that sound alarming (Spanish).
NEGATIVE_NEW_ES: list[str] = [
    "ese bache va a matar a alguien",
    "alguien se va a matar en ese bache",
    "con esa curva tan peligrosa un día alguien se va a matar",
    "arreglen el semáforo antes de que alguien salga herido",
    "hubo un incendio aquí el mes pasado y la casa quemada sigue abierta",
    "tengo miedo de dormir sin detector de humo después del incendio de las noticias",
    "el cable de luz está colgando muy bajo pero no está echando chispas",
    "un carro chocó contra el poste anoche, nadie salió herido, ahora la luz no prende",
    "la gasolinera de la esquina tiene basura por todos lados",
    "el arroyo se desbordó y está inundando la calle",
    "me muero de calor en esta parada de autobús",
    "este calor me está matando",
    "me muero por saber cuándo recogen la basura",
    "los baches me están matando la espalda",
    "los niños juegan cerca de las vías del tren, necesitamos una cerca",
    "el barandal del puente está roto, alguien se puede caer al río",
    "el vecino siempre anda quemando hojas y basura en su patio",
    "el calentador de agua no sirve y ya me duele la cabeza de tanto llamar",
    "el generador de la obra hace tanto ruido que me da dolor de cabeza",
    "casi atropellan a un niño en el cruce de la escuela, necesitamos un guardia",
    "hay un cable de luz colgando muy bajo en mi calle",
    "me está matando el ruido de la construcción",
    "el bache está tan grande que alguien se va a matar",
    "los vecinos hacen carne asada y el humo entra a mi casa",
    "my 4 year old walked to the store on Ponce St with me and the sidewalk is broken",
    "the kids walk to school in the road because there is no sidewalk",
]

NEGATIVE_PULSE_CO: list[str] = [
    "the cpr dummies in the rec center closet are all torn up",
    "can the library host a cpr class for our block club",
    "the alarm with CO on it keeps chirping for a new battery",
    "there is no pulse of life on this dead end since the store closed",
    # Found in new training data: things bent the wrong way, being kicked out of a site.
    "the signal on Lakewood Ave by the stadium is twisted the wrong way",
    "the street sign at our corner got turned the wrong way",
    "I renew my license online and the portal keeps kicking me out",
    "the landlord is kicking us out and I need to know about housing help",
    "the yellow thing fire trucks hook up 2 is laying in the street, sum car hit it last nite",
    "¿cómo se reporta un carro con el registro vencido que no se mueve de la calle?",
    # The new families' look-alikes stay ordinary reports.
    "my cart melted last month when somebody set the dumpster beside it on fire",
    "we're drowning in it over here, the trash has not been picked up in two weeks",
    "a car with an orange sticker on the window has been parked here for a month",
    "the landlord doesn't answer my calls about the broken door lock",
    "my grandma can't get up the hill to the bus stop because the sidewalk is broken",
    "the gas station on the corner smells like gas prices went up again",
    "there is trash at the bottom of the pool at the rec center",
    "can't find my son's school bus stop on the map, which one is on Cascade Rd",
]

ALL_NEGATIVE = (NEGATIVE_EN + NEGATIVE_ES + NEGATIVE_NEW_EN + NEGATIVE_NEW_ES
                + NEGATIVE_PULSE_CO)

ALL_CLEAR = [
    "no one is hurt",
    "this is a non emergency issue",
    "nobody's in danger",
    "it's not an emergency",
    "no one's inside",
    "nobody was hurt",
    "no one was inside the car",
    "everyone is safe",
    "everybody got out ok",
    "its not an emergency just reporting it",
    "nah nobody hurt",
    "nadie está en peligro",
    "no hay nadie herido",
    "nadie salió herido",
    "todos estamos bien",
    "no es una emergencia",
    "no hay nadie adentro",
]

NOT_ALL_CLEAR = [
    "someone is hurt",
    # Asking for the police's non-emergency line is a question, not "nobody is in danger".
    "what's the non emergency number for the police",
    "whats the non-emergency police number",
    "I don't know if anyone is inside",
    "the pothole is huge",
    "it's not an emergency?? he's not breathing",
    "no one is hurt but there is a man with a gun",
    "si hay alguien herido",
    "yes",
]


@pytest.mark.parametrize(("text", "kind"), ALL_POSITIVE)
def test_a_danger_to_life_is_recognised_with_its_kind(text, kind):
    found = detect(text)
    assert found is not None, text
    assert found.kind == kind


@pytest.mark.parametrize("text", ALL_NEGATIVE)
def test_an_ordinary_report_sharing_words_is_not_an_emergency(text):
    assert detect(text) is None


@pytest.mark.parametrize("text", ALL_CLEAR)
def test_a_resident_saying_nobody_is_in_danger_is_all_clear(text):
    assert says_all_clear(text)


@pytest.mark.parametrize("text", NOT_ALL_CLEAR)
def test_a_danger_or_an_unrelated_answer_is_not_all_clear(text):
    assert not says_all_clear(text)


def test_the_cue_is_the_words_of_the_original_message():
    text = "Hello. Smoke pouring out of my neighbor’s house!"
    found = detect(text)
    assert isinstance(found, Emergency)
    assert found.cue == text[found.start:found.end]
    assert "Smoke pouring" in found.cue


def test_the_result_is_immutable():
    found = detect("he is not breathing")
    with pytest.raises(AttributeError):
        found.kind = "fire"  # type: ignore[misc]


def test_an_exclusion_only_removes_the_cue_it_overlaps():
    # "gas station" neutralises the gas cue, not the smoke pouring out of it.
    assert detect("gas station lot overgrown") is None
    assert detect("smoke pouring out of the gas station").kind == "smoke"


def test_strong_cues_are_never_excluded():
    assert detect("nobody hurt, but a guy just pulled a gun").kind == "weapon"
    assert detect("shooting hoops when a man pulled out a gun").kind == "weapon"


def test_empty_and_blank_messages_are_not_emergencies():
    assert detect("") is None
    assert detect("   \n") is None
    assert not says_all_clear("")


def test_the_cues_load_lazily_once_from_the_configured_file(tmp_path, monkeypatch):
    cues = tmp_path / "cues.yml"
    cues.write_text(
        "fragments: {}\n"
        "kinds:\n  fire:\n    strong: []\n    patterns: ['purple flames?']\n"
        "exclusions: []\nall_clear: ['all good']\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EMERGENCY_CUES", str(cues))
    emergency.reset_cache()
    try:
        assert detect("purple flames in the yard").kind == "fire"
        assert detect("he is not breathing") is None
        cues.write_text("kinds: {}\n", encoding="utf-8")
        assert detect("purple flames") is not None  # cached: read once
    finally:
        monkeypatch.delenv("EMERGENCY_CUES")
        emergency.reset_cache()
    assert detect("he is not breathing").kind == "medical"


def test_enough_messages_are_covered():
    assert len(ALL_POSITIVE) >= 120
    assert len(POSITIVE_ES) >= 30
    assert len(ALL_NEGATIVE) >= 80
    assert len(set(ALL_POSITIVE)) == len(ALL_POSITIVE)
    assert len(set(ALL_NEGATIVE)) == len(ALL_NEGATIVE)
    assert len(POSITIVE_NEW_EN) + len(POSITIVE_NEW_ES) >= 60 and len(POSITIVE_NEW_ES) >= 20
    assert len(NEGATIVE_NEW_EN) + len(NEGATIVE_NEW_ES) >= 60 and len(NEGATIVE_NEW_ES) >= 15


# Cue families added for the danger2 set (2026-12-05). Each family is one behaviour;
# the messages are new, not copied from any evaluation set.

@pytest.mark.parametrize("text", [
    "my grandmother has heat exhaustion she's throwing up and confused",
    "the man mowing next door is red, confused and not sweating anymore, it's 99 out",
    "mi abuela tiene golpe de calor, está vomitando y confundida",
    "el señor está desorientado y muy caliente, hace 100 grados y no tiene aire",
])
def test_heat_illness_named_or_described_is_medical(text):
    assert detect(text).kind == "medical"


@pytest.mark.parametrize("text", [
    "my neighbor got electrocuted fixing his ac",
    "a kid got shocked by the light pole at the park and fell down",
    "se electrocutó mi vecino arreglando el aire",
    "al trabajador le dio la corriente y no se mueve",
])
def test_someone_shocked_by_electricity_is_a_live_wire_danger(text):
    assert detect(text).kind == "live_wires"


@pytest.mark.parametrize("text", [
    "my mom fell down the stairs and isn't answering",
    "grandma fell and broke her hip, she's crying on the bathroom floor",
    "my dad is on the ground outside and can't talk",
    "through the window I can see him on the kitchen floor",
    "mi papá tuvo una caída y no se puede mover",
    "el señor de al lado está tirado en su cocina",
    "lo vi tirado en el piso del baño",
])
def test_a_fall_or_a_person_seen_on_the_floor_is_medical(text):
    assert detect(text).kind == "medical"


@pytest.mark.parametrize("text", [
    "car went into the lake off the boat ramp",
    "a man is sinking in the pond",
    "the river swept a kid away near the rapids",
    "the boy slipped under at the lake and hasn't come back up",
    "the water is rising in the apartment and my aunt is bedridden",
    "un carro se fue al canal y está hundiéndose",
    "la corriente se llevó a un muchacho en el arroyo",
    "se cayó del puente al río un señor",
])
def test_people_and_cars_in_water_are_a_water_danger(text):
    assert detect(text).kind == "water"


@pytest.mark.parametrize(("text", "kind"), [
    ("a woman is being robbed right now at the atm", "violence"),
    ("someone is robbing the pharmacy on Ponce", "violence"),
    ("someone is trying to get into my apartment through the balcony", "violence"),
    ("a guy is climbing in through our back window", "violence"),
    ("there's an armed man in the lobby", "weapon"),
    ("le están robando a una señora en la parada", "violence"),
    ("alguien está tratando de entrar a mi casa", "violence"),
    ("hay un hombre armado en la escuela", "weapon"),
])
def test_a_robbery_or_break_in_as_it_happens_is_recognised(text, kind):
    assert detect(text).kind == kind


@pytest.mark.parametrize(("text", "kind"), [
    ("man is threatening people with a bat at the bus stop", "violence"),
    ("guy swinging a crowbar chasing people in the lot", "violence"),
    ("my neighbor is holding his wife at knifepoint", "weapon"),
    ("someone threw acid on a woman at the station", "violence"),
    ("un tipo anda golpeando a la gente con un tubo en el parque", "violence"),
    ("mi esposo me está pegando", "violence"),
    ("una mujer está siendo atacada en el estacionamiento", "violence"),
    ("hay dos hombres peleando con navajas", "weapon"),
    ("un hombre le pegó un tiro a otro en la esquina", "weapon"),
    ("dude w a knife threatening ppl outside the corner store", "weapon"),
    ("someone got popped on my block hes down", "weapon"),
])
def test_attacks_with_blunt_weapons_slang_and_spanish_forms_are_recognised(text, kind):
    assert detect(text).kind == kind


@pytest.mark.parametrize("text", [
    "someone is on the roof of the hospital saying he'll jump",
    "he jumped off the bridge on 17th",
    "my buddy is talking about ending his life",
    "she says she doesn't want to live anymore",
    "mi hermana dice que ya no quiere vivir",
    "se cortó las venas mi primo",
])
def test_more_ways_of_saying_self_harm_are_recognised(text):
    assert detect(text).kind == "self_harm"


@pytest.mark.parametrize("text", [
    "our carbon monoxide detector won't stop going off",
    "the co alarm went off last night and now we are all dizzy",
    "la alarma de monóxido no deja de sonar",
    "desde que prendimos el calentador la alarma de monoxido pita y todos estamos mareados",
])
def test_a_co_alarm_that_will_not_stop_or_makes_people_sick_is_carbon_monoxide(text):
    assert detect(text).kind == "carbon_monoxide"


@pytest.mark.parametrize("text", [
    "a bleach and ammonia smell in the laundry room, my mom is coughing and can't breathe",
    "huele a químicos en la fábrica y los trabajadores están vomitando",
])
def test_chemical_fumes_making_people_sick_are_a_gas_danger(text):
    assert detect(text).kind == "gas"


@pytest.mark.parametrize(("text", "kind"), [
    ("the apartment building on 5th collapsed", "trapped"),
    ("a family is trapped under the rubble after the tornado", "trapped"),
    ("se derrumbó la casa y hay gente adentro", "trapped"),
    ("my neighbors are stuck on their balcony and the stairs are gone", "stranded"),
    ("there's a van in the pond with kids inside", "stranded"),
    ("hay una camioneta en la laguna con una familia adentro", "stranded"),
])
def test_collapses_and_people_stranded_inside_or_up_high_are_recognised(text, kind):
    assert detect(text).kind == kind


@pytest.mark.parametrize("text", [
    "fire in the kitchen",
    "the restaurant on the corner of my street is burning",
])
def test_a_fire_named_after_the_place_is_a_fire(text):
    assert detect(text).kind == "fire"


def test_a_swelling_throat_in_spanish_is_medical():
    found = detect("se le está cerrando la garganta a mi hijo, es alérgico a las nueces")
    assert found.kind == "medical"


@pytest.mark.parametrize("text", [
    "we're drowning in paperwork since the water bill doubled",
    "the 311 website is unresponsive when I upload a picture",
    "my trees are dying in this heat, can the city water the street trees",
    "i got shocked when i saw my water bill",
    "the cooling center staff were confused about the hours and it's 100 out",
    "the kids at the pool are yelling help as a joke all day, very loud",
    "the city is robbing us with these fees",
    "me está pegando el sol en la parada, pongan un techo",
    "los árboles se están muriendo por el calor",
    "el vecino pone la música a todo volumen cada noche, ya estoy que exploto",
    "si vuelven a dejar la basura una semana más voy a explotar de coraje",
])
def test_figures_of_speech_are_not_emergencies(text):
    assert detect(text) is None


@pytest.mark.parametrize("text", [
    "there was a shooting on my street last week and now the streetlight is out",
    "a car that was burning last week is still sitting on the curb",
    "the car fire last week left a black mark on the road",
    "last year a kid got hit crossing the street here, we need a crosswalk",
    "a cyclist got hit at this intersection last month, please add a bike lane",
    "after that apartment fire on the news I'd like a smoke detector",
])
def test_a_danger_that_is_over_is_not_an_emergency(text):
    assert detect(text) is None


@pytest.mark.parametrize("text", [
    "any news on my complaint about the gas smell by the library? I think they fixed it",
    "a tv crew is shooting on our block till friday, who approved it",
    "the power line is hanging down over my driveway but it's not sparking",
    "the drain in front of my house caved in and there's a hole by the curb",
    "my car is stuck in the flood water on my street every time it rains, the drain is clogged",
    "the vacant house on the corner finally collapsed, please tear it down",
])
def test_ordinary_reports_near_the_new_cues_are_not_emergencies(text):
    assert detect(text) is None


def test_a_sagging_line_that_sparks_is_still_a_danger():
    assert detect("a power line sagging down and sparking over the road").kind == "live_wires"


@pytest.mark.parametrize(("text", "kind"), [
    ("he's pale and says his chest feels tight and heavy", "medical"),
    ("I can hear her moaning behind the door of 2C and nobody has a key", "medical"),
    ("my aunt is not answering her phone or the door since yesterday, she lives alone", "medical"),
    ("oigo que el vecino se está quejando adentro y no abre", "medical"),
    ("his arm is spurting where the glass cut it", "medical"),
    ("a woman is walking in the lanes of the connector near the exit", "medical"),
    ("a man is sitting on the marta tracks at west end", "medical"),
    ("hay un señor acostado sobre las vías cerca del cruce", "medical"),
    ("a cyclist got dragged under a garbage truck on Ponce", "crash_with_injury"),
    ("he put his hands around her throat and she ran to my porch", "violence"),
    ("somebody broke in and they're still inside, I'm at the neighbor's", "violence"),
    ("the smoke alarm is going off and the hallway smells like smoke", "smoke"),
    ("her contractions are two minutes apart and fast, we can't make it to Grady", "medical"),
    ("there's a person floating face down near the dock", "water"),
])
def test_indirect_signs_of_danger_are_recognised(text, kind):
    assert detect(text).kind == kind


@pytest.mark.parametrize("text", [
    "the water company cut the line and water is gushing down the street",
    "our baby is coming home next week, can we get a second recycling cart",
    "people walk on the railroad tracks as a shortcut, we need a fence",
    "workers are in the middle of the highway repaving and the signs are wrong",
    "my apartment smells like smoke from the bbq place downstairs",
    "the kids keep falling down on the broken playground and can't get up the slide",
    "a box truck got stuck under the railroad bridge on Marietta, no one is hurt",
])
def test_ordinary_reports_sharing_words_with_indirect_signs_are_not_emergencies(text):
    assert detect(text) is None


def test_a_pet_shocked_by_an_electric_fence_is_not_an_emergency():
    assert detect("our puppy got zapped by the neighbor's electric fence, is that allowed") is None


@pytest.mark.parametrize("text", [
    "the road on Gordon is so broken the buses going over it sound like a bomb",
    "I about had a heart attack when I opened this water bill",
    "casi me da un infarto cuando vi el recibo del agua",
    "hay un carro todo quemado de un incendio de hace como un mes, ¿lo pueden quitar?",
    "the weeds at the vacant house are up past the windows",
    "the storm grate is buried under leaves and mud",
    "se rompió la rueda del bote y ya no lo puedo sacar a la calle",
    "kids shot out the streetlight with a BB gun and now it's dark",
    "los carros van tan rápido que algún día van a atropellar a alguien",
    "the hydrant got clipped by a delivery truck and is leaning over",
    "hay un perro muerto en la cuneta, está lleno de sangre y ya huele",
    "un perro callejero mordió a mi hijo ayer y sigue suelto en la calle",
    "the upstairs neighbor's water broke through my ceiling again",
    "a shingle fell off the roof onto my car",
    "the grill next door gives me headaches every weekend",
    "the clerk at the water office looked confused about my bill",
    "the mold in the bathroom is still spreading",
    "my car stalled in the water at the underpass yesterday, nobody was hurt",
    "the dog next door bites at the fence all day",
    "I'm about to have a heart attack over this water bill",
    "I'm so tired of begging somebody to cut the grass on that lot",
    # figures of speech and dangers that are over
    "my husband is about to kill me over the boxes in the garage, when is bulk pickup",
    "I almost passed out when I opened the bill",
    "the back room smells like a dead body but it's just rotten food someone dumped",
    "my kid almost cut himself on the broken slide, he's fine",
    "suenan como balacera pero son cohetes, no dejan dormir",
    "nothing caught fire, the streetlight just popped and went dark",
    "somebody set my bin on fire, the fire's already out, I need a new one",
    "the brush on that lot is so dry I'm scared it'll catch fire",
    "tengo miedo de un incendio con tanta maleza",
    "the water main on my street burst this morning and flooded the road",
    "tree down across the road, no wires down, no injuries",
    "hay un perro muerto atropellado en la calle y sangre por todos lados",
    "the late fees are going to kill me",
])
def test_look_alikes_of_the_new_families_are_not_emergencies(text):
    assert detect(text) is None


@pytest.mark.parametrize(("text", "kind"), [
    ("he's going to kill me if I call the police", "violence"),
    ("the blanket caught fire and I put it out but there are blisters on her cheek",
     "medical"),
    ("he passed out on the sidewalk", "medical"),
])
def test_the_same_words_meant_plainly_are_still_emergencies(text, kind):
    assert detect(text).kind == kind
