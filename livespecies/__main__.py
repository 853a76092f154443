from livespecies.cli import main

raise SystemExit(main())
