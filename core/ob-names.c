/* ob-names.c — the name lists behind ob-names.h.
 *
 * Drawn from the names most given in Sweden 2005–2020 and the most common
 * family names, the -sson names first, with the names frequent among
 * families from Somalia, Syria, Iraq, Afghanistan, Turkey, Vietnam, Poland,
 * the former Yugoslavia and Finland alongside them.  Add names at the end of
 * a list: the demo generator picks names by index, so reordering would
 * rename every generated person.
 */
#include "ob-names.h"

static const char *const girls[] = {
  "Alice",  "Maja",   "Elsa",    "Astrid", "Wilma",    "Saga",    "Ella",   "Ebba",  "Olivia",
  "Alva",   "Freja",  "Agnes",   "Vera",   "Selma",    "Alma",    "Stella", "Signe", "Lilly",
  "Clara",  "Ellen",  "Ester",   "Elvira", "Nora",     "Julia",   "Emma",   "Ida",   "Moa",
  "Linnea", "Hanna",  "Matilda", "Elin",   "Tilda",    "Felicia", "Amanda", "Lova",  "Molly",
  "Ellie",  "Thea",   "Leah",    "Meja",   "Isabelle", "Ronja",   "Tyra",   "Sara",  "Emilia",
  "Sofia",  "Nellie", "Edith",   "Hedda",  "Tuva",     "Iris",    "Liv",    "Noor",  "Amina",
  "Fatima", "Mariam", "Yasmin",  "Zahra",  "Aya",      "Layla",   "Hiba",   "Hafsa",
};

static const char *const boys[] = {
  "William",   "Liam",     "Noah",   "Hugo",      "Lucas",   "Oliver",  "Elias",    "Adam",
  "Alexander", "Oscar",    "Leo",    "Vincent",   "Filip",   "Nils",    "Theo",     "Axel",
  "Ludvig",    "Isak",     "Emil",   "Viktor",    "Alfred",  "Arvid",   "Melvin",   "Sixten",
  "Malte",     "Elton",    "Gustav", "Harry",     "Olle",    "Love",    "Edvin",    "Albin",
  "Anton",     "Jacob",    "Erik",   "Sebastian", "Viggo",   "Wilhelm", "Benjamin", "Carl",
  "Leon",      "Jonathan", "Simon",  "Max",       "Valter",  "Ture",    "Casper",   "Melker",
  "Mohammed",  "Ali",      "Yusuf",  "Omar",      "Ibrahim", "Ahmed",   "Hassan",   "Mustafa",
  "Abdullahi", "Hamza",    "Amir",   "Zakaria",   "Yasin",
};

/* Names given in Sweden to girls and boys alike, for children whose gender
 * is recorded as neither. */
static const char *const neutral[] = {
  "Alex", "Ariel", "Billie", "Charlie", "Eli",   "Jamie", "Kai",   "Kim",
  "Mika", "Noa",   "Nour",   "Quinn",   "Robin", "Sam",   "Sasha",
};

static const char *const family[] = {
  "Andersson",  "Johansson", "Karlsson",   "Nilsson",    "Eriksson",    "Larsson",    "Olsson",
  "Persson",    "Svensson",  "Gustafsson", "Pettersson", "Jonsson",     "Jansson",    "Hansson",
  "Bengtsson",  "Jönsson",   "Lindberg",   "Jakobsson",  "Magnusson",   "Olofsson",   "Lindström",
  "Lindqvist",  "Lindgren",  "Berg",       "Axelsson",   "Bergström",   "Lundberg",   "Lind",
  "Lundgren",   "Lundqvist", "Mattsson",   "Berglund",   "Fredriksson", "Sandberg",   "Henriksson",
  "Forsberg",   "Sjöberg",   "Wallin",     "Engström",   "Eklund",      "Danielsson", "Lundin",
  "Håkansson",  "Björk",     "Bergman",    "Gunnarsson", "Holm",        "Wikström",   "Samuelsson",
  "Isaksson",   "Fransson",  "Bergqvist",  "Nyström",    "Holmberg",    "Arvidsson",  "Löfgren",
  "Söderberg",  "Nyberg",    "Blomqvist",  "Claesson",   "Nordström",   "Mårtensson", "Lundström",
  "Viklund",    "Björklund", "Eliasson",   "Pålsson",    "Berggren",    "Sandström",  "Lund",
  "Nordin",     "Ström",     "Åberg",      "Hermansson", "Ekström",     "Holmgren",   "Sundberg",
  "Hedlund",    "Dahlberg",  "Hellström",  "Sjögren",    "Abrahamsson", "Falk",       "Öberg",
  "Andreasson", "Blom",      "Månsson",    "Ek",         "Strand",      "Åkesson",    "Norberg",
  "Sundström",  "Ali",       "Mohammed",   "Ahmed",      "Hassan",      "Hussein",    "Omar",
  "Abdi",       "Ibrahim",   "Osman",      "Yusuf",      "Khalil",      "Haddad",     "Nguyen",
  "Tran",       "Yilmaz",    "Kaya",       "Demir",      "Öztürk",      "Karimi",     "Ahmadi",
  "Hosseini",   "Rahimi",    "Nowak",      "Kowalski",   "Petrović",    "Hodžić",     "Popescu",
  "Virtanen",   "Korhonen",  "Garcia",
};

/* The list for @gender and its length; NULL for an invalid gender. */
static const char *const *
given_list (ObGender gender, guint *ret_len)
{
  switch (gender)
    {
      case OB_GENDER_GIRL:
        *ret_len = G_N_ELEMENTS (girls);
        return girls;
      case OB_GENDER_BOY:
        *ret_len = G_N_ELEMENTS (boys);
        return boys;
      case OB_GENDER_OTHER:
        *ret_len = G_N_ELEMENTS (neutral);
        return neutral;
      case OB_N_GENDERS:
      case OB_GENDER_INVALID:
      default:
        *ret_len = 0;
        return NULL;
    }
}

guint
ob_names_given_count (ObGender gender)
{
  guint len;

  given_list (gender, &len);
  return len;
}

const char *
ob_names_given (ObGender gender, guint32 index)
{
  guint len;
  const char *const *list = given_list (gender, &len);

  g_return_val_if_fail (list != NULL, NULL);
  return list[index % len];
}

guint
ob_names_family_count (void)
{
  return G_N_ELEMENTS (family);
}

const char *
ob_names_family (guint32 index)
{
  return family[index % G_N_ELEMENTS (family)];
}
