print("mockruns")
