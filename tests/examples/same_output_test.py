#!/usr/bin/env python3
"""Every example printed the same lines for the same calls: the outputs the
language tests saved in BUILD_DIR/examples-output/LANGUAGE/ (the scenario,
a refused key, a throttled upstream, a server that records the calls) are
compared with each other, so a language that differs is named next to the
one it differs from.

Run by CTest as examples.same_output, after the language tests (the CTest
fixture examples_outputs); see example_servers.py for the environment.
"""

import difflib
import os
import unittest

from readme_section import OUTPUT_DIR, VARIANTS

LANGUAGES = ("Python", "Go", "Java", "C++", "Node.js")


class SameOutputTest(unittest.TestCase):

    def test_every_language_prints_the_same_lines(self):
        for variant in VARIANTS:
            outputs = {}
            for language in LANGUAGES:
                path = os.path.join(OUTPUT_DIR, language, f"{variant}.txt")
                self.assertTrue(os.path.isfile(path),
                                f"{path} missing: run ctest -R examples")
                with open(path, encoding="utf-8") as f:
                    outputs[language] = f.read()
            reference = LANGUAGES[0]
            for language in LANGUAGES[1:]:
                with self.subTest(variant=variant, language=language):
                    diff = "".join(difflib.unified_diff(
                        outputs[reference].splitlines(True),
                        outputs[language].splitlines(True), reference, language))
                    self.assertEqual(outputs[language], outputs[reference],
                                     f"{variant}:\n{diff}")
            self.assertNotEqual(outputs[reference], "", variant)


if __name__ == "__main__":
    unittest.main(verbosity=2)
