#!/usr/bin/env python3
"""README's Go section ("Call it from your language"), followed as written in
a clean copy of proto/ and examples/go/ against gateway-proxy in front of a fresh
mock-gateway: the client prints examples/scenario.txt, and the same lines as
every other example with a refused key and a throttled upstream
(readme_section.py).

Run by CTest as examples.go; see example_servers.py for the environment.
"""

import unittest

from readme_section import check_readme_section


class GoReadmeSectionTest(unittest.TestCase):

    def test_readme_section_runs_as_written(self):
        check_readme_section(self, "Go", "examples/go")


if __name__ == "__main__":
    unittest.main(verbosity=2)
