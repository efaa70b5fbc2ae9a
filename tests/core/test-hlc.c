/* test-hlc.c — hybrid logical clocks: text form, order, tick and observe.
 *
 * Random cases are drawn from a seed printed at start; set OB_TEST_SEED to
 * repeat a run. */
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ob-hlc.h"
#include "ob-test.h"

static GRand *rng;

static const char device_chars[]
    = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

static void
random_device (char *buf, int len)
{
  for (int i = 0; i < len; i++)
    buf[i] = device_chars[g_rand_int_range (rng, 0, (int) sizeof device_chars - 1)];
  buf[len] = '\0';
}

static ObHlc
random_hlc (void)
{
  ObHlc hlc = { 0 };
  /* Small ranges now and then, so equal walls and counters occur. */
  if (g_rand_boolean (rng))
    hlc.wall_ms = (guint64) g_rand_int_range (rng, 0, 4);
  else
    hlc.wall_ms = ((guint64) g_rand_int (rng) << 16 | g_rand_int_range (rng, 0, 1 << 16))
                  & G_GUINT64_CONSTANT (0xffffffffffff);
  hlc.counter = g_rand_boolean (rng) ? (guint32) g_rand_int_range (rng, 0, 3) : g_rand_int (rng);
  if (g_rand_boolean (rng))
    g_strlcpy (hlc.device, g_rand_boolean (rng) ? "a" : "ab", sizeof hlc.device);
  else
    random_device (hlc.device, g_rand_int_range (rng, 1, OB_DEVICE_MAX + 1));
  return hlc;
}

static void
assert_hlc_equal (const ObHlc *a, const ObHlc *b)
{
  assert_true (a->wall_ms == b->wall_ms);
  assert_int_equal (a->counter, b->counter);
  assert_string_equal (a->device, b->device);
}

static int
sign (int v)
{
  return v < 0 ? -1 : v > 0 ? 1 : 0;
}

static void
test_round_trip (void **state)
{
  char buf[OB_HLC_MAX + 1], again[OB_HLC_MAX + 1];
  ObHlc parsed;

  /* A fixed example, to pin the text form itself. */
  ObHlc fixed = { 0x0190a0b0c0d0, 0x2a, "laptop-1" };
  assert_string_equal (ob_hlc_format (&fixed, buf), "0190a0b0c0d0-0000002a-laptop-1");
  assert_true (ob_hlc_parse ("ffffffffffff-ffffffff-x", &parsed, NULL));
  assert_true (parsed.wall_ms == G_GUINT64_CONSTANT (0xffffffffffff));
  assert_int_equal (parsed.counter, G_MAXUINT32);

  for (int i = 0; i < 2000; i++)
    {
      ObHlc hlc = random_hlc ();
      g_autoptr (GError) error = NULL;
      ob_hlc_format (&hlc, buf);
      assert_int_equal (strlen (buf), 22 + strlen (hlc.device));
      assert_true (ob_hlc_parse (buf, &parsed, &error));
      assert_null (error);
      assert_hlc_equal (&hlc, &parsed);
      assert_string_equal (ob_hlc_format (&parsed, again), buf);
    }
}

static void
test_text_order_is_clock_order (void **state)
{
  for (int i = 0; i < 5000; i++)
    {
      ObHlc a = random_hlc (), b = random_hlc ();
      char ta[OB_HLC_MAX + 1], tb[OB_HLC_MAX + 1];

      if (i % 3 == 0)
        b.wall_ms = a.wall_ms;
      if (i % 6 == 0)
        b.counter = a.counter;
      ob_hlc_format (&a, ta);
      ob_hlc_format (&b, tb);
      if (sign (strcmp (ta, tb)) != sign (ob_hlc_compare (&a, &b)))
        fail_msg ("strcmp and ob_hlc_compare disagree on %s and %s", ta, tb);
      assert_int_equal (sign (ob_hlc_compare (&a, &b)), -sign (ob_hlc_compare (&b, &a)));
      assert_int_equal (ob_hlc_compare (&a, &a), 0);
    }
}

static void
test_tick (void **state)
{
  ObHlc last = ob_hlc_tick (NULL, 1000, "dev");
  char prev[OB_HLC_MAX + 1], next[OB_HLC_MAX + 1];
  guint64 now = 1000;

  assert_true (last.wall_ms == 1000);
  assert_int_equal (last.counter, 0);
  assert_string_equal (last.device, "dev");

  /* The wall clock moves forward, stands still, and jumps back. */
  for (int i = 0; i < 5000; i++)
    {
      int step = g_rand_int_range (rng, -50, 60);
      ObHlc tick;
      now = (guint64) MAX (0, (gint64) now + step);
      tick = ob_hlc_tick (&last, now, "dev");
      if (ob_hlc_compare (&tick, &last) <= 0)
        fail_msg ("tick %s is not after %s (now %" G_GUINT64_FORMAT ")",
                  ob_hlc_format (&tick, next), ob_hlc_format (&last, prev), now);
      assert_true (strcmp (ob_hlc_format (&last, prev), ob_hlc_format (&tick, next)) < 0);
      /* A clock never runs ahead of max(wall clock, last). */
      assert_true (tick.wall_ms == MAX (now, last.wall_ms));
      last = tick;
    }

  /* A wall clock far in the past does not drag the clock back. */
  ObHlc later = { 5000, 7, "dev" };
  ObHlc back = ob_hlc_tick (&later, 10, "dev");
  assert_true (back.wall_ms == 5000);
  assert_int_equal (back.counter, 8);

  /* Counter overflow carries into the wall time. */
  ObHlc full = { 2000, G_MAXUINT32, "dev" };
  ObHlc carried = ob_hlc_tick (&full, 1500, "dev");
  assert_true (ob_hlc_compare (&carried, &full) > 0);
  assert_true (carried.wall_ms == 2001);
  assert_int_equal (carried.counter, 0);
  assert_true (strcmp (ob_hlc_format (&full, prev), ob_hlc_format (&carried, next)) < 0);
  carried = ob_hlc_tick (&full, 2000, "dev");
  assert_true (ob_hlc_compare (&carried, &full) > 0);
}

static void
test_observe (void **state)
{
  for (int i = 0; i < 2000; i++)
    {
      ObHlc last = random_hlc (), remote = random_hlc (), before;
      guint64 now = (guint64) g_rand_int_range (rng, 0, 10);

      g_strlcpy (last.device, "local", sizeof last.device);
      g_strlcpy (remote.device, "remote", sizeof remote.device);
      before = last;
      ob_hlc_observe (&last, &remote);
      /* Observing never moves the clock back. */
      assert_true (last.wall_ms > before.wall_ms
                   || (last.wall_ms == before.wall_ms && last.counter >= before.counter));
      ObHlc tick = ob_hlc_tick (&last, now, "local");
      if (ob_hlc_compare (&tick, &remote) <= 0)
        {
          char a[OB_HLC_MAX + 1], b[OB_HLC_MAX + 1];
          fail_msg ("tick %s after observing %s does not order after it", ob_hlc_format (&tick, a),
                    ob_hlc_format (&remote, b));
        }
      assert_true (ob_hlc_compare (&tick, &before) > 0);
    }

  /* Same wall time, remote counter ahead: the next tick counts past it. */
  ObHlc last = { 100, 1, "b" }, remote = { 100, 9, "a" };
  ob_hlc_observe (&last, &remote);
  assert_true (last.wall_ms == 100);
  assert_int_equal (last.counter, 9);
  assert_string_equal (last.device, "b");
  ObHlc tick = ob_hlc_tick (&last, 50, "b");
  assert_int_equal (tick.counter, 10);
  assert_true (ob_hlc_compare (&tick, &remote) > 0);

  /* A remote value behind ours changes nothing. */
  ObHlc ahead = { 300, 4, "b" }, old = { 299, 99, "a" };
  ob_hlc_observe (&ahead, &old);
  assert_true (ahead.wall_ms == 300);
  assert_int_equal (ahead.counter, 4);
}

static void
test_parse_rejects (void **state)
{
  g_autofree char *long_device = g_strnfill (OB_DEVICE_MAX + 1, 'd');
  g_autofree char *too_long = g_strconcat ("0190a0b0c0d0-00000000-", long_device, NULL);
  g_autofree char *longest_device = g_strnfill (OB_DEVICE_MAX, 'd');
  g_autofree char *longest = g_strconcat ("0190a0b0c0d0-00000000-", longest_device, NULL);
  const char *bad[] = {
    "",
    "0190A0B0C0D0-00000000-dev",  /* uppercase hex */
    "0190a0b0c0d0-0000000F-dev",  /* uppercase hex in the counter */
    "0190a0b0c0d-00000000-dev",   /* short wall */
    "0190a0b0c0d0-0000000-dev",   /* short counter */
    "0190a0b0c0d0-00000000",      /* no device */
    "0190a0b0c0d0-00000000-",     /* empty device */
    "0190a0b0c0d0-00000000-de v", /* bad device character */
    "0190a0b0c0d0-00000000-dev/1",
    "0190a0b0c0d0-00000000-dév",
    "0190a0b0c0d0_00000000-dev", /* wrong separator */
    "0190a0b0c0dg-00000000-dev", /* not hex */
    "-190a0b0c0d0-00000000-dev",
    " 0190a0b0c0d0-00000000-dev",
    too_long,
  };
  ObHlc hlc;

  assert_true (ob_hlc_parse (longest, &hlc, NULL));
  assert_int_equal (strlen (hlc.device), OB_DEVICE_MAX);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      ObHlc untouched = { 42, 43, "keep" };
      if (ob_hlc_parse (bad[i], &untouched, &error))
        fail_msg ("“%s” was accepted as a clock value", bad[i]);
      assert_true (g_error_matches (error, OB_HLC_ERROR, OB_HLC_ERROR_INVALID));
      assert_non_null (strstr (error->message, "is not a clock value"));
      assert_true (untouched.wall_ms == 42);
      assert_int_equal (untouched.counter, 43);
      assert_string_equal (untouched.device, "keep");
    }
  {
    g_autoptr (GError) error = NULL;
    assert_false (ob_hlc_parse (NULL, &hlc, &error));
    assert_non_null (error);
  }
  assert_false (ob_device_id_valid (""));
  assert_false (ob_device_id_valid (long_device));
  assert_false (ob_device_id_valid ("a:b"));
  assert_true (ob_device_id_valid ("4f1c2a9e-1b2c-4d5e-8f90-a1b2c3d4e5f6"));
}

int
main (void)
{
  rng = g_rand_new_with_seed (ob_test_seed ());
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_round_trip),    cmocka_unit_test (test_text_order_is_clock_order),
    cmocka_unit_test (test_tick),          cmocka_unit_test (test_observe),
    cmocka_unit_test (test_parse_rejects),
  };
  int failed = cmocka_run_group_tests (tests, NULL, NULL);
  g_rand_free (rng);
  return failed;
}
