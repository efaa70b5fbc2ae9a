#include "ob-sync.h"
